// The skeleton of one replicated commit on this machine, with none of Raftoral's work: three
// Bun processes, as a cluster's three nodes here (two cores, one disk). The leader sends a
// 300-byte entry over a WebSocket to both followers, writes it durably itself, and has
// committed once its own write is durable and one follower has acknowledged its own. Each
// follower writes it durably, then answers. One commit after the other, at one of two paces
// (SkeletonPace): the next once both followers have answered, or once the commit is made, as
// a sequential W2's next step starts. Two kinds of durable write: "raw" writes 4 KiB into a file's next block and fdatasyncs
// it (the disk's floor), "sqlite" is one transaction of Raftoral's own storage (the entry and
// the group's hard state, as a follower's write for one append). What separates a W2 step
// from the sqlite skeleton is the rest of Raftoral's work: Raft, encoding, the workflow, and
// the turns they take.

import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { groupId, logIndex, NO_NODE, term } from "../src/lib/index.ts";
import { SqliteLogCore } from "../src/storage/index.ts";

export type SkeletonWrite = "raw" | "sqlite";

const FOLLOWER_FLAG = "--skeleton-follower";
const ENTRY = new Uint8Array(300).fill(0x61);
const BLOCK = new Uint8Array(4096).fill(0x5a);
/** Blocks written in a ring, allocated and synced first: as SQLite's WAL once it has room. */
const RING_BLOCKS = 1024;

interface DurableWriter {
  /** Makes the next entry durable. */
  write(): void;
  close(): void;
}

async function durableWriter(kind: SkeletonWrite): Promise<DurableWriter> {
  const directory = mkdtempSync(join(tmpdir(), "raftoral-skeleton-"));
  const writer = kind === "raw" ? rawWriter(directory) : await sqliteWriter(directory);
  return {
    write: writer.write,
    close: () => {
      writer.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** A file of RING_BLOCKS synced blocks, and a write and fdatasync into its next one. */
function rawWriter(directory: string): DurableWriter {
  const descriptor = openSync(join(directory, "ring.bin"), "w+");
  for (let k = 0; k < RING_BLOCKS; k++) writeSync(descriptor, BLOCK, 0, BLOCK.length, k * 4096);
  fdatasyncSync(descriptor);
  let next = 0;
  return {
    write: () => {
      writeSync(descriptor, BLOCK, 0, BLOCK.length, next * 4096);
      fdatasyncSync(descriptor);
      next = (next + 1) % RING_BLOCKS;
    },
    close: () => closeSync(descriptor),
  };
}

/**
 * The node's storage, with the WAL's room a ready node gives it: each write one entry and the
 * hard state that commits the one before.
 */
async function sqliteWriter(directory: string): Promise<DurableWriter> {
  const core = SqliteLogCore.open(join(directory, "node.sqlite"));
  const group = groupId(1);
  const hardState = (commit: number) => ({
    term: term(1),
    vote: NO_NODE,
    commit: logIndex(commit),
  });
  core.write([{ groupId: group, hardState: hardState(0), entries: [] }]);
  await core.reserveWalSpace();
  let index = 0;
  return {
    write: () => {
      index++;
      const entry = { term: term(1), index: logIndex(index), type: "normal" as const, data: ENTRY };
      core.write([{ groupId: group, hardState: hardState(index - 1), entries: [entry] }]);
    },
    close: () => core.close(),
  };
}

/**
 * A follower: the entries that arrived in one turn of its event loop are written durably in
 * one write, then acknowledged with their number, as a Raft follower behind by several
 * appends writes them together. Prints its port.
 */
async function runFollower(kind: SkeletonWrite): Promise<void> {
  const writer = await durableWriter(kind);
  let arrived = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (request, server) =>
      server.upgrade(request) ? undefined : new Response("WebSocket only", { status: 400 }),
    websocket: {
      message: (socket) => {
        arrived++;
        if (arrived > 1) return;
        setImmediate(() => {
          writer.write();
          socket.send(String(arrived));
          arrived = 0;
        });
      },
      close: () => {
        writer.close();
        server.stop(true);
        process.exit(0);
      },
    },
  });
  console.log(server.port);
}

async function connect(port: number, onAck: (entries: number) => void): Promise<WebSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/`);
  socket.binaryType = "arraybuffer";
  await new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = () => reject(new Error(`no WebSocket to the skeleton follower on ${port}`));
  });
  socket.onmessage = (event) => onAck(Number(event.data));
  return socket;
}

async function startFollower(
  kind: SkeletonWrite,
): Promise<{ port: number; process: Bun.Subprocess }> {
  const follower = Bun.spawn([process.execPath, import.meta.path, FOLLOWER_FLAG, kind], {
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = follower.stdout.getReader();
  const { value } = await reader.read();
  reader.releaseLock();
  const port = Number(new TextDecoder().decode(value).trim());
  if (!Number.isInteger(port) || port <= 0) throw new Error("a skeleton follower gave no port");
  return { port, process: follower };
}

/**
 * How the next commit waits for the one before: "one at a time" also waits for the slower
 * follower's answer, so that no follower is ever behind (Raft's one append in flight when
 * idle); "steps" starts it once the commit is made, as the owner of a sequential W2 runs its
 * next step, so the slower follower's write may still hold the disk.
 */
export type SkeletonPace = "one at a time" | "steps";

export interface SkeletonRun {
  /** Each commit's ms from send to commit. */
  readonly samples: number[];
  /** The run's wall time over its commits: what one commit takes when they follow each other. */
  readonly cycleMs: number;
}

/** `count` commits of the skeleton, one after the other. */
export async function skeletonCommits(
  kind: SkeletonWrite,
  count: number,
  pace: SkeletonPace = "one at a time",
  warmUp = 200,
): Promise<SkeletonRun> {
  const followers = await Promise.all([startFollower(kind), startFollower(kind)]);
  const writer = await durableWriter(kind);
  // The entries each follower has made durable: commit k is made once either has k.
  const answers = [0, 0];
  let onAnswer: (() => void) | undefined;
  const sockets = await Promise.all(
    followers.map((follower, k) =>
      connect(follower.port, (entries) => {
        answers[k] = (answers[k] ?? 0) + entries;
        onAnswer?.();
      }),
    ),
  );
  let sent = 0;
  const answered = (needed: (counts: number[]) => number) =>
    new Promise<void>((resolve) => {
      onAnswer = () => needed(answers) >= sent && resolve();
      onAnswer();
    });
  const commit = async (): Promise<number> => {
    const begin = performance.now();
    sent++;
    for (const socket of sockets) socket.send(ENTRY);
    writer.write();
    await answered((counts) => Math.max(...counts));
    const elapsed = performance.now() - begin;
    if (pace === "one at a time") await answered((counts) => Math.min(...counts));
    return elapsed;
  };
  try {
    for (let k = 0; k < warmUp; k++) await commit();
    const samples: number[] = [];
    const begin = performance.now();
    for (let k = 0; k < count; k++) samples.push(await commit());
    return { samples, cycleMs: (performance.now() - begin) / Math.max(1, count) };
  } finally {
    for (const socket of sockets) socket.close();
    await Promise.all(followers.map((follower) => follower.process.exited));
    writer.close();
  }
}

if (process.argv[2] === FOLLOWER_FLAG)
  await runFollower(process.argv[3] === "raw" ? "raw" : "sqlite");
