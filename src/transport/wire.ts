// What nodes send each other: Raft messages of any group, plus the host's own requests
// (proposals forwarded to a leader and their answers). Every message names its group
// (the wire's cluster_id); all messages for one peer from one loop turn travel as one batch.

import type { GroupId, LogIndex, NodeId, Term } from "../lib/index.ts";
import type { EntryType, ProposalRefusal, RaftMessage } from "../raft/index.ts";

/** A Raft message of one group. */
export interface RaftPeerMessage {
  readonly type: "raft";
  readonly groupId: GroupId;
  readonly message: RaftMessage;
}

/** A proposal a follower forwards to the leader it knows. */
export interface ForwardProposal {
  readonly type: "forward";
  readonly groupId: GroupId;
  /** Chosen by the sender; echoed in the answer. */
  readonly requestId: number;
  /** "confChange" data is an encoded ConfChange (src/raft/conf-change-codec.ts). */
  readonly entryType: EntryType;
  readonly data: Uint8Array;
}

export type ForwardOutcome =
  | { readonly accepted: true; readonly index: LogIndex; readonly term: Term }
  | {
      readonly accepted: false;
      readonly reason: ProposalRefusal | "unknown-group";
      readonly leaderHint: NodeId;
    };

/** The leader's answer: where the forwarded proposal landed in the log, or why it did not. */
export interface ForwardResult {
  readonly type: "forwardResult";
  readonly groupId: GroupId;
  readonly requestId: number;
  readonly outcome: ForwardOutcome;
}

/** "I do not host this group": sent back once for messages of a group the receiver lacks. */
export interface UnknownGroup {
  readonly type: "unknownGroup";
  readonly groupId: GroupId;
}

export type PeerMessage = RaftPeerMessage | ForwardProposal | ForwardResult | UnknownGroup;

/** Everything one node sends another in one request. */
export interface PeerBatch {
  readonly from: NodeId;
  readonly to: NodeId;
  /**
   * Where the sender listens (host:port): lets a node answer peers it has no address for
   * yet, e.g. after joining while cut off, before any management state reached it.
   */
  readonly fromAddress?: string;
  /**
   * The sender's cluster (ManagementState.clusterId); absent while it does not know it yet.
   * A node refuses batches from another cluster, so that two clusters that reach each other
   * by mistake never mix.
   */
  readonly clusterId?: string;
  readonly messages: readonly PeerMessage[];
}

/** Upper bounds a receiver enforces before trusting a batch. */
export const BATCH_MESSAGES_MAX = 100_000;
export const ENTRIES_PER_MESSAGE_MAX = 100_000;

/** What a message costs in memory: its payloads plus a fixed allowance for the envelope. */
const MESSAGE_OVERHEAD_BYTES = 64;

/**
 * The bytes a batch's messages hold (entries, snapshot chunks, forwarded commands, plus a
 * fixed allowance per message): what the inbox budgets and the peer metrics count.
 */
export function batchBytes(batch: Pick<PeerBatch, "messages">): number {
  let bytes = 0;
  for (const message of batch.messages) bytes += peerMessageBytes(message);
  return bytes;
}

export function peerMessageBytes(message: PeerMessage): number {
  if (message.type === "forward") return MESSAGE_OVERHEAD_BYTES + message.data.byteLength;
  if (message.type !== "raft") return MESSAGE_OVERHEAD_BYTES;
  const raft = message.message;
  if (raft.type === "InstallSnapshot") return MESSAGE_OVERHEAD_BYTES + raft.data.byteLength;
  if (raft.type !== "AppendEntries") return MESSAGE_OVERHEAD_BYTES;
  let bytes = MESSAGE_OVERHEAD_BYTES;
  for (const entry of raft.entries) bytes += MESSAGE_OVERHEAD_BYTES + entry.data.byteLength;
  return bytes;
}
