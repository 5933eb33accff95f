// Where a node's data lives under --storage-path P, and which node a restart resumes:
// `P/node_<N>/raftoral.db`. One node directory in P means "resume as N"; several need
// --node-id to choose; a --node-id that contradicts what P holds is refused.

import { type Dirent, readdirSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { InvalidArgumentError, type NodeId, nodeId } from "../lib/index.ts";
import type { NodeIdentity } from "./log-storage.ts";
import { IdentityConflictError, StorageError } from "./storage-error.ts";

export const DATABASE_FILE_NAME = "raftoral.db";

/** node_<N> with N a positive integer written without leading zeros. */
const NODE_DIRECTORY = /^node_([1-9][0-9]*)$/;

/** What to do with the storage path at start-up. */
export type NodeDirectoryChoice =
  /** P holds this node's data: open it and resume as nodeId. */
  | { readonly kind: "resume"; readonly nodeId: NodeId; readonly directory: string }
  /** P holds no node yet and --node-id names one: start it in `directory`. */
  | { readonly kind: "new"; readonly nodeId: NodeId; readonly directory: string }
  /**
   * P holds no node and no id was given: the id comes from bootstrapping or joining; put the
   * data in nodeDirectoryPath(P, id) once it is known.
   */
  | { readonly kind: "unassigned" };

export function nodeDirectoryPath(storagePath: string, id: NodeId): string {
  return join(storagePath, `node_${id}`);
}

export function databaseFilePath(nodeDirectory: string): string {
  return join(nodeDirectory, DATABASE_FILE_NAME);
}

/** Ids of the node directories in `storagePath`, ascending; none if it does not exist. */
export function listNodeIds(storagePath: string): NodeId[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(storagePath, { withFileTypes: true });
  } catch (error) {
    // Handled: a storage path that does not exist yet holds no node; it is created later.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return [];
    const fix = "give a directory this user may write, or one that does not exist yet";
    // A file where the directory should be is a setting to fix, not a disk to look at (exit 1,
    // where a failing disk exits 74 for the supervisor to try again).
    if (code === "ENOTDIR") {
      throw new InvalidArgumentError(
        `the storage path ${storagePath} is not a directory this node can use (it, or a part of it, is a file); ${fix}`,
        { cause: error },
      );
    }
    throw new StorageError(
      "STORAGE_FAILED",
      `the storage path ${storagePath} is not a directory this node can use (${(error as Error).message}); ${fix}`,
      { file: storagePath, cause: error },
    );
  }
  if (entries.some((entry) => entry.name === DATABASE_FILE_NAME)) {
    // A node's own directory given as the path: the start would make node_<N> inside it and
    // join as a new node, leaving the node it meant to resume behind.
    const meant = NODE_DIRECTORY.exec(basename(resolve(storagePath)))?.[1];
    throw new IdentityConflictError(
      `--storage-path ${storagePath} is a node's own directory (it holds ${DATABASE_FILE_NAME}${meant === undefined ? "" : ` of node ${meant}`}): give the directory that holds it, ${dirname(resolve(storagePath))}, to resume that node`,
      { file: storagePath, storedNodeIds: [] },
    );
  }
  const names = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  const ids: NodeId[] = [];
  for (const name of names) {
    const match = NODE_DIRECTORY.exec(name);
    const digits = match?.[1];
    if (digits !== undefined && Number.isSafeInteger(Number(digits)))
      ids.push(nodeId(Number(digits)));
  }
  return ids.sort((a, b) => a - b);
}

/**
 * Decides which node directory to use from the ids found in `storagePath` (pure). Throws an
 * IdentityConflictError when the choice is ambiguous or contradicts --node-id.
 */
export function chooseNodeDirectory(options: {
  storagePath: string;
  storedNodeIds: readonly NodeId[];
  requestedNodeId?: NodeId;
}): NodeDirectoryChoice {
  const { storagePath, storedNodeIds, requestedNodeId } = options;
  const path = (id: NodeId) => nodeDirectoryPath(storagePath, id);
  if (storedNodeIds.length === 0) {
    if (requestedNodeId === undefined) return { kind: "unassigned" };
    return { kind: "new", nodeId: requestedNodeId, directory: path(requestedNodeId) };
  }
  if (requestedNodeId !== undefined && storedNodeIds.includes(requestedNodeId)) {
    return { kind: "resume", nodeId: requestedNodeId, directory: path(requestedNodeId) };
  }
  const listed = storedNodeIds.map((id) => `node_${id}`).join(", ");
  const conflict = { file: storagePath, storedNodeIds, ...optionalRequested(requestedNodeId) };
  const [only] = storedNodeIds;
  if (storedNodeIds.length === 1 && only !== undefined) {
    if (requestedNodeId === undefined)
      return { kind: "resume", nodeId: only, directory: path(only) };
    throw new IdentityConflictError(
      `--node-id ${requestedNodeId} contradicts --storage-path ${storagePath}, which holds the data of node ${only} (${listed}). Start without --node-id (or with --node-id ${only}) to resume node ${only}, or give a new node an empty --storage-path.`,
      conflict,
    );
  }
  if (requestedNodeId === undefined) {
    throw new IdentityConflictError(
      `--storage-path ${storagePath} holds the data of several nodes (${listed}); start with --node-id <N> to choose the one this process resumes.`,
      conflict,
    );
  }
  throw new IdentityConflictError(
    `--node-id ${requestedNodeId} is not one of the nodes stored in --storage-path ${storagePath} (${listed}); choose one of them, or give a new node an empty --storage-path.`,
    conflict,
  );
}

function optionalRequested(requestedNodeId: NodeId | undefined): { requestedNodeId?: NodeId } {
  return requestedNodeId === undefined ? {} : { requestedNodeId };
}

/** Lists `storagePath` and chooses the node directory; see chooseNodeDirectory. */
export function resolveNodeDirectory(options: {
  storagePath: string;
  requestedNodeId?: NodeId;
}): NodeDirectoryChoice {
  return chooseNodeDirectory({ ...options, storedNodeIds: listNodeIds(options.storagePath) });
}

/**
 * Checks the identity stored inside a node directory against the directory's name. A
 * mismatch means the directory was renamed or copied: resuming would impersonate a node.
 */
export function checkStoredIdentity(options: {
  directory: string;
  nodeId: NodeId;
  identity: NodeIdentity | undefined;
}): void {
  const { directory, identity } = options;
  if (identity === undefined || identity.nodeId === options.nodeId) return;
  throw new IdentityConflictError(
    `${directory} holds the identity of node ${identity.nodeId}, but its name says node ${options.nodeId}; it was renamed or copied. Rename it back to node_${identity.nodeId}, or move it aside to start node ${options.nodeId} empty.`,
    { file: directory, storedNodeIds: [identity.nodeId], requestedNodeId: options.nodeId },
  );
}
