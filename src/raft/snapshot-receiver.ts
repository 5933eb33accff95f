// Follower side of chunked snapshot transfer (§7). Chunks must arrive in order; the
// snapshot is assembled in memory and handed to Raft only when complete, so a restore is
// all-or-nothing. Any gap makes the follower tell the leader where to resume.
// Pure: no I/O, no timers, no await.

import { logIndex } from "../lib/index.ts";
import type { InstallSnapshot } from "./messages.ts";
import type { Raft } from "./raft.ts";
import type { Snapshot, SnapshotMetadata } from "./types.ts";

export interface IncomingSnapshot {
  readonly metadata: SnapshotMetadata;
  readonly leaderTerm: number;
  readonly totalBytes: number;
  readonly chunks: Uint8Array[];
  received: number;
}

/** Takes one chunk; returns the whole snapshot once its last chunk arrived. */
export function receiveSnapshotChunk(r: Raft, message: InstallSnapshot): Snapshot | undefined {
  const { metadata } = message;
  if (!isWellFormed(r, message)) return undefined;
  let incoming = r.incomingSnapshot;
  const isSameTransfer =
    incoming !== undefined &&
    incoming.metadata.index === metadata.index &&
    incoming.metadata.term === metadata.term &&
    incoming.leaderTerm === message.term &&
    incoming.totalBytes === message.totalBytes;
  if (!isSameTransfer) {
    incoming = {
      metadata,
      leaderTerm: message.term,
      totalBytes: message.totalBytes,
      chunks: [],
      received: 0,
    };
    r.incomingSnapshot = incoming;
  }
  if (incoming === undefined) return undefined;
  if (message.offset !== incoming.received) {
    acknowledge(r, message, incoming.received);
    return undefined;
  }
  incoming.chunks.push(message.data);
  incoming.received += message.data.byteLength;
  if (incoming.received < incoming.totalBytes) {
    acknowledge(r, message, incoming.received);
    return undefined;
  }
  r.incomingSnapshot = undefined;
  return { metadata, data: concat(incoming.chunks, incoming.totalBytes) };
}

function isWellFormed(r: Raft, message: InstallSnapshot): boolean {
  const { offset, totalBytes, data } = message;
  return (
    Number.isSafeInteger(offset) &&
    Number.isSafeInteger(totalBytes) &&
    offset >= 0 &&
    totalBytes >= 0 &&
    totalBytes <= r.config.snapshotBytesMax &&
    offset + data.byteLength <= totalBytes
  );
}

function acknowledge(r: Raft, message: InstallSnapshot, offset: number): void {
  r.send({
    type: "InstallSnapshotResponse",
    from: r.id,
    to: message.from,
    term: r.term,
    snapshotIndex: logIndex(message.metadata.index),
    offset,
  });
}

function concat(chunks: readonly Uint8Array[], totalBytes: number): Uint8Array {
  const data = new Uint8Array(totalBytes);
  let offset = 0;
  for (const chunk of chunks) {
    data.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return data;
}
