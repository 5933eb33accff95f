// Where this node keeps its data: memory without --storage-path; otherwise the SQLite
// database in P/node_<id>/, whose stored identity decides whether the node resumes.

import { rmSync } from "node:fs";
import { type NodeId, nodeId, RaftoralError } from "../lib/index.ts";
import {
  type LogStorage,
  MemoryLogStorage,
  type NodeIdentity,
  nodeDirectoryPath,
  openNodeStorage,
  resolveNodeDirectory,
} from "../storage/index-main.ts";

export interface OpenedStorage {
  readonly storage: LogStorage;
  readonly identity: NodeIdentity | undefined;
}

/** The id of a node that bootstraps a cluster without --node-id. */
export const FIRST_NODE_ID = nodeId(1);

/**
 * Opens the storage of a node whose id is already known (from --storage-path, --node-id or
 * bootstrapping); undefined when the id is only known after joining. Opened first thing, so
 * that the storage's code loads while the transport's does.
 */
export async function openKnownStorage(options: {
  storagePath: string | undefined;
  requestedNodeId: NodeId | undefined;
  /** --bootstrap: without a stored or requested id, the node is FIRST_NODE_ID. */
  bootstrap: boolean;
}): Promise<(OpenedStorage & { nodeId: NodeId | undefined }) | undefined> {
  const { storagePath, requestedNodeId } = options;
  if (storagePath === undefined) return undefined;
  const choice = resolveNodeDirectory({
    storagePath,
    ...(requestedNodeId === undefined ? {} : { requestedNodeId }),
  });
  if (choice.kind === "unassigned") {
    if (!options.bootstrap) return undefined;
    const directory = nodeDirectoryPath(storagePath, FIRST_NODE_ID);
    const opened = await openNodeStorage({ nodeId: FIRST_NODE_ID, directory });
    return { ...opened, nodeId: FIRST_NODE_ID };
  }
  const opened = await openNodeStorage({ nodeId: choice.nodeId, directory: choice.directory });
  return { ...opened, nodeId: choice.nodeId };
}

/** Storage for a node that just learned its id (bootstrap without --node-id, or join). */
export async function openStorageFor(
  storagePath: string | undefined,
  id: NodeId,
): Promise<LogStorage> {
  if (storagePath === undefined) return new MemoryLogStorage();
  const opened = await openNodeStorage({
    nodeId: id,
    directory: nodeDirectoryPath(storagePath, id),
  });
  return opened.storage;
}

/**
 * Locks --storage-path P for this process until it exits (storage-path-lock.ts): a node that
 * joins learns its directory under P only from the cluster, so two processes started at once
 * on an empty P would each join as a node of its own.
 */
export async function lockStoragePathForProcess(storagePath: string): Promise<void> {
  const { lockStoragePath } = await import("../storage/index-path-lock.ts");
  lockStoragePath(storagePath);
}

export function requestedId(value: number | undefined): NodeId | undefined {
  return value === undefined ? undefined : nodeId(value);
}

/** Removes node `id`'s directory under `storagePath` (nothing without one). */
export function removeNodeDirectory(storagePath: string | undefined, id: NodeId): void {
  if (storagePath !== undefined)
    rmSync(nodeDirectoryPath(storagePath, id), { recursive: true, force: true });
}

/**
 * Why a start failed that found node `id`'s directory without an identity (no --node-id
 * asked for it), when the cluster answered that the id is taken: the directory is from a join
 * that stopped before it saved the identity, and the id belongs to that earlier process. The
 * directory is removed by then, so the next start joins as a new node. Otherwise `error`.
 */
export function unclaimedIdTaken(id: NodeId | undefined, error: unknown): unknown {
  // The join's failure wraps the cluster's answer (join-cluster.ts, failedToAdd).
  const answer = error instanceof RaftoralError ? (error.cause ?? error) : undefined;
  if (id === undefined || !(answer instanceof RaftoralError) || answer.code !== "ALREADY_EXISTS") {
    return error;
  }
  return new RaftoralError(
    "ALREADY_EXISTS",
    `node_${id} under --storage-path held no identity: a join that stopped before it saved ` +
      `one, whose node ${id} the cluster keeps for that earlier process (${answer.message}). ` +
      "The directory has been removed: start this node again and it joins as a new node",
    { cause: error },
  );
}
