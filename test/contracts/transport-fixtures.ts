// Batches for the transport contract: one with every Raft message type and every peer message
// type (binary fields empty, small and 1 MiB; non-ASCII text), and small numbered ones for
// ordering checks.

import { groupId, logIndex, nodeId, term } from "../../src/lib/index.ts";
import type { Entry, RaftMessage } from "../../src/raft/index.ts";
import type { PeerBatch, PeerMessage } from "../../src/transport/index.ts";

const A = nodeId(1);
const B = nodeId(2);
/** Receives the numbered batches; never one of their senders (a node does not send to itself). */
const RECIPIENT = nodeId(9);
const T = term(7);
const envelope = { from: A, to: B, term: T };

/** Bytes 0..255 repeating, so a shifted or truncated copy never looks equal. */
export function patternBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let k = 0; k < length; k++) bytes[k] = (k * 31 + 7) & 0xff;
  return bytes;
}

export const MIB = 1024 * 1024;

function entries(): Entry[] {
  return [
    { term: T, index: logIndex(10), type: "normal", data: new Uint8Array() },
    { term: T, index: logIndex(11), type: "normal", data: patternBytes(300) },
    { term: T, index: logIndex(12), type: "confChange", data: patternBytes(17) },
  ];
}

/** One of every RaftMessage type. */
export function everyRaftMessage(): RaftMessage[] {
  const vote = { lastLogIndex: logIndex(9), lastLogTerm: term(6) };
  return [
    { type: "RequestVote", ...envelope, ...vote, isLeaderTransfer: false },
    { type: "RequestPreVote", ...envelope, ...vote, isLeaderTransfer: true },
    { type: "RequestVoteResponse", ...envelope, voteGranted: true },
    { type: "RequestPreVoteResponse", ...envelope, voteGranted: false },
    {
      type: "AppendEntries",
      ...envelope,
      prevLogIndex: logIndex(9),
      prevLogTerm: term(6),
      entries: entries(),
      leaderCommit: logIndex(9),
    },
    {
      type: "AppendEntriesResponse",
      ...envelope,
      incarnation: 4_000_000_000,
      success: false,
      index: logIndex(12),
      hintIndex: logIndex(4),
      hintTerm: term(3),
    },
    { type: "Heartbeat", ...envelope, leaderCommit: logIndex(12), readContext: "rc-é✓" },
    { type: "HeartbeatResponse", ...envelope, incarnation: 7, readContext: "" },
    {
      type: "InstallSnapshot",
      ...envelope,
      metadata: {
        index: logIndex(500),
        term: term(6),
        confState: {
          voters: [A, B, nodeId(3)],
          learners: [nodeId(4)],
          votersOutgoing: [],
          learnersNext: [],
          autoLeave: false,
        },
      },
      offset: 0,
      totalBytes: 3 * MIB,
      data: patternBytes(MIB),
    },
    { type: "InstallSnapshotResponse", ...envelope, snapshotIndex: logIndex(500), offset: MIB },
    { type: "TimeoutNow", ...envelope },
    { type: "ReadIndex", from: A, to: B, term: term(0), context: "read-42" },
    { type: "ReadIndexResponse", ...envelope, context: "read-42", index: logIndex(12) },
    { type: "TransferLeader", from: A, to: B, term: term(0), transferee: nodeId(3) },
  ];
}

/** One of every PeerMessage type, around every Raft message. */
export function everyPeerMessage(): PeerMessage[] {
  const raft: PeerMessage[] = everyRaftMessage().map((message, k) => ({
    type: "raft",
    groupId: groupId(k % 3),
    message,
  }));
  return [
    ...raft,
    {
      type: "forward",
      groupId: groupId(1),
      requestId: 1,
      entryType: "normal",
      data: new Uint8Array(),
    },
    {
      type: "forward",
      groupId: groupId(2),
      requestId: 2,
      entryType: "confChange",
      data: patternBytes(MIB),
    },
    {
      type: "forwardResult",
      groupId: groupId(1),
      requestId: 1,
      outcome: { accepted: true, index: logIndex(13), term: T },
    },
    {
      type: "forwardResult",
      groupId: groupId(2),
      requestId: 2,
      outcome: { accepted: false, reason: "not-leader", leaderHint: nodeId(3) },
    },
    { type: "unknownGroup", groupId: groupId(9) },
  ];
}

/** The batch with everything in it (about 2 MiB of binary data). */
export function everythingBatch(): PeerBatch {
  return { from: A, to: B, messages: everyPeerMessage() };
}

/** A small batch whose position is readable back: a heartbeat with `sequence` as its commit. */
export function numberedBatch(sender: number, sequence: number): PeerBatch {
  return {
    from: nodeId(sender),
    to: RECIPIENT,
    messages: [
      {
        type: "raft",
        groupId: groupId(1),
        message: {
          type: "Heartbeat",
          from: nodeId(sender),
          to: RECIPIENT,
          term: T,
          leaderCommit: logIndex(sequence),
          readContext: "",
        },
      },
    ],
  };
}

/** The sequence number numberedBatch() put in `batch`. */
export function sequenceOf(batch: PeerBatch): number {
  const first = batch.messages[0];
  if (first?.type !== "raft" || first.message.type !== "Heartbeat") {
    throw new Error("not a numbered batch");
  }
  return first.message.leaderCommit;
}

/** A forwarded proposal numbered `n` carrying `bytes` of data: what fills a peer's queue. */
export function forwardOf(n: number, bytes: number): PeerMessage {
  return {
    type: "forward",
    groupId: groupId(1),
    requestId: n,
    entryType: "normal",
    data: new Uint8Array(bytes),
  };
}
