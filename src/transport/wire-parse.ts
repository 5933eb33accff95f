// The gateway for bytes that arrive from other nodes: turns an untrusted decoded value
// (from msgpack or JSON) into a PeerBatch, checking every field. Past this point code trusts
// the types. Anything malformed is a WireFormatError naming the field; the node keeps serving.

import {
  fieldReaders,
  type GroupId,
  groupId,
  InvalidArgumentError,
  type LogIndex,
  logIndex,
  type NodeId,
  nodeId,
  type Term,
  term,
} from "../lib/index.ts";
import {
  type ConfState,
  type Entry,
  type EntryType,
  PROPOSAL_REFUSALS,
  type RaftMessage,
  type SnapshotMetadata,
} from "../raft/index.ts";
import {
  BATCH_MESSAGES_MAX,
  ENTRIES_PER_MESSAGE_MAX,
  type ForwardOutcome,
  type PeerBatch,
  type PeerMessage,
} from "./wire.ts";

export class WireFormatError extends InvalidArgumentError {
  constructor(path: string, problem: string) {
    super(`malformed peer message: ${path} ${problem}`);
    this.name = "WireFormatError";
  }
}

/** Turns a wire value into bytes (msgpack gives Uint8Array, JSON gives base64 text). */
export type BytesDecoder = (value: unknown, path: string) => Uint8Array;

const CONTEXT_LENGTH_MAX = 1024;
const REFUSALS: ReadonlySet<string> = new Set([...PROPOSAL_REFUSALS, "unknown-group"]);

type Fields = Record<string, unknown>;

const read = fieldReaders((path, problem) => new WireFormatError(path, problem));

/**
 * Terms and indexes past this are refused: real ones never get near it, and the arithmetic
 * on them (term + 1, index + 1) must stay exact.
 */
const LOG_NUMBER_MAX = 2 ** 52;

function logNumber(value: unknown, path: string): number {
  const number = read.integer(value, path);
  if (number > LOG_NUMBER_MAX) throw new WireFormatError(path, "must be at most 2^52");
  return number;
}

/** A node id; 0 (none) only where the field allows it, such as a leader hint. */
const asNode = (value: unknown, path: string): NodeId => nodeId(read.integer(value, path));
const asTerm = (value: unknown, path: string): Term => term(logNumber(value, path));
const asIndex = (value: unknown, path: string): LogIndex => logIndex(logNumber(value, path));

/** A sender or recipient: a real node. */
function asPeer(value: unknown, path: string): NodeId {
  const id = asNode(value, path);
  if (id === 0) throw new WireFormatError(path, "must be a node id (1 or more)");
  return id;
}
const asGroup = (value: unknown, path: string): GroupId => groupId(read.integer(value, path));

export function parsePeerBatch(value: unknown, bytes: BytesDecoder): PeerBatch {
  const fields = read.object(value, "batch");
  const messages = read.list(fields.messages, "batch.messages", BATCH_MESSAGES_MAX);
  const fromAddress =
    fields.fromAddress === undefined
      ? undefined
      : read.text(fields.fromAddress, "batch.fromAddress", 300);
  const clusterId =
    fields.clusterId === undefined
      ? undefined
      : read.text(fields.clusterId, "batch.clusterId", 100);
  const from = asPeer(fields.from, "batch.from");
  const to = asPeer(fields.to, "batch.to");
  if (from === to) throw new WireFormatError("batch.to", "must not be the sender");
  return {
    from,
    to,
    ...(fromAddress === undefined ? {} : { fromAddress }),
    ...(clusterId === undefined ? {} : { clusterId }),
    messages: messages.map((item, k) => parsePeerMessage(item, `batch.messages[${k}]`, bytes)),
  };
}

function parsePeerMessage(value: unknown, path: string, bytes: BytesDecoder): PeerMessage {
  const fields = read.object(value, path);
  const id = asGroup(fields.groupId, `${path}.groupId`);
  switch (fields.type) {
    case "raft":
      return {
        type: "raft",
        groupId: id,
        message: parseRaftMessage(fields.message, `${path}.message`, bytes),
      };
    case "forward":
      return {
        type: "forward",
        groupId: id,
        requestId: read.integer(fields.requestId, `${path}.requestId`),
        entryType: entryType(fields.entryType, `${path}.entryType`),
        data: bytes(fields.data, `${path}.data`),
      };
    case "forwardResult":
      return {
        type: "forwardResult",
        groupId: id,
        requestId: read.integer(fields.requestId, `${path}.requestId`),
        outcome: parseOutcome(fields.outcome, `${path}.outcome`),
      };
    case "unknownGroup":
      return { type: "unknownGroup", groupId: id };
    default:
      throw new WireFormatError(`${path}.type`, `is not a known message type`);
  }
}

function parseOutcome(value: unknown, path: string): ForwardOutcome {
  const fields = read.object(value, path);
  if (read.boolean(fields.accepted, `${path}.accepted`)) {
    return {
      accepted: true,
      index: asIndex(fields.index, `${path}.index`),
      term: asTerm(fields.term, `${path}.term`),
    };
  }
  const reason = fields.reason;
  if (typeof reason !== "string" || !REFUSALS.has(reason)) {
    throw new WireFormatError(`${path}.reason`, "is not a known refusal");
  }
  return {
    accepted: false,
    reason: reason as Extract<ForwardOutcome, { accepted: false }>["reason"],
    leaderHint: asNode(fields.leaderHint, `${path}.leaderHint`),
  };
}

/** Only requests a node forwards on its own behalf carry term 0 (see raft/messages.ts). */
const TERM_ZERO_TYPES = new Set(["ReadIndex", "TransferLeader"]);

function parseRaftMessage(value: unknown, path: string, bytes: BytesDecoder): RaftMessage {
  const f = read.object(value, path);
  const base = {
    from: asPeer(f.from, `${path}.from`),
    to: asPeer(f.to, `${path}.to`),
    // Any exact integer: whether the term is within reach is the receiving group's call,
    // message by message (multiraft/batch-router.ts), so one bad term spoils no other message.
    term: term(read.integer(f.term, `${path}.term`)),
  };
  if (base.from === base.to) throw new WireFormatError(`${path}.to`, "must not be the sender");
  if (base.term === 0 && !TERM_ZERO_TYPES.has(String(f.type))) {
    throw new WireFormatError(`${path}.term`, `must be 1 or more in a ${String(f.type)}`);
  }
  const at = (name: string) => `${path}.${name}`;
  switch (f.type) {
    case "RequestVote":
    case "RequestPreVote":
      return {
        type: f.type,
        ...base,
        lastLogIndex: asIndex(f.lastLogIndex, at("lastLogIndex")),
        lastLogTerm: asTerm(f.lastLogTerm, at("lastLogTerm")),
        isLeaderTransfer: read.boolean(f.isLeaderTransfer, at("isLeaderTransfer")),
      };
    case "RequestVoteResponse":
    case "RequestPreVoteResponse":
      return { type: f.type, ...base, voteGranted: read.boolean(f.voteGranted, at("voteGranted")) };
    case "AppendEntries":
    case "AppendEntriesResponse":
    case "InstallSnapshot":
    case "InstallSnapshotResponse":
      return parseReplication(f, base, path, bytes);
    default:
      return parseControl(f, base, path);
  }
}

type Envelope = { from: NodeId; to: NodeId; term: Term };

/** The messages that move log entries and snapshots (§5.3, §7). */
function parseReplication(
  f: Fields,
  base: Envelope,
  path: string,
  bytes: BytesDecoder,
): RaftMessage {
  const at = (name: string) => `${path}.${name}`;
  switch (f.type) {
    case "AppendEntries":
      return {
        type: "AppendEntries",
        ...base,
        prevLogIndex: asIndex(f.prevLogIndex, at("prevLogIndex")),
        prevLogTerm: asTerm(f.prevLogTerm, at("prevLogTerm")),
        entries: read
          .list(f.entries, at("entries"), ENTRIES_PER_MESSAGE_MAX)
          .map((entry, k) => parseEntry(entry, `${path}.entries[${k}]`, bytes)),
        leaderCommit: asIndex(f.leaderCommit, at("leaderCommit")),
        // Absent from older nodes' messages: those are answered as before.
        ...(f.commitOnly === true ? { commitOnly: true } : {}),
      };
    case "AppendEntriesResponse":
      return {
        type: "AppendEntriesResponse",
        ...base,
        incarnation: read.integer(f.incarnation, at("incarnation")),
        success: read.boolean(f.success, at("success")),
        index: asIndex(f.index, at("index")),
        hintIndex: asIndex(f.hintIndex, at("hintIndex")),
        hintTerm: asTerm(f.hintTerm, at("hintTerm")),
      };
    case "InstallSnapshot":
      return {
        type: "InstallSnapshot",
        ...base,
        metadata: parseMetadata(f.metadata, at("metadata")),
        offset: read.integer(f.offset, at("offset")),
        totalBytes: read.integer(f.totalBytes, at("totalBytes")),
        data: bytes(f.data, at("data")),
      };
    default:
      return {
        type: "InstallSnapshotResponse",
        ...base,
        snapshotIndex: asIndex(f.snapshotIndex, at("snapshotIndex")),
        offset: read.integer(f.offset, at("offset")),
      };
  }
}

/** Absent from older nodes' heartbeats and answers: they are taken as before. */
function leaderTick(f: Fields, path: string): { leaderTick?: number } {
  return f.leaderTick === undefined ? {} : { leaderTick: read.integer(f.leaderTick, path) };
}

/** Heartbeats, reads and leadership control. */
function parseControl(f: Fields, base: Envelope, path: string): RaftMessage {
  const at = (name: string) => `${path}.${name}`;
  const context = (name: string) => read.text(f[name], at(name), CONTEXT_LENGTH_MAX);
  switch (f.type) {
    case "Heartbeat":
      return {
        type: "Heartbeat",
        ...base,
        leaderCommit: asIndex(f.leaderCommit, at("leaderCommit")),
        readContext: context("readContext"),
        // Absent from older nodes' heartbeats: their followers learn it from the next append.
        ...(f.isWholeCommit === true ? { isWholeCommit: true } : {}),
        ...leaderTick(f, at("leaderTick")),
      };
    case "HeartbeatResponse":
      return {
        type: "HeartbeatResponse",
        ...base,
        incarnation: read.integer(f.incarnation, at("incarnation")),
        readContext: context("readContext"),
        ...leaderTick(f, at("leaderTick")),
      };
    case "TimeoutNow":
      return { type: "TimeoutNow", ...base };
    case "ReadIndex":
      return { type: "ReadIndex", ...base, context: context("context") };
    case "ReadIndexResponse":
      return {
        type: "ReadIndexResponse",
        ...base,
        context: context("context"),
        index: asIndex(f.index, at("index")),
      };
    case "TransferLeader":
      return {
        type: "TransferLeader",
        ...base,
        transferee: asPeer(f.transferee, at("transferee")),
      };
    default:
      throw new WireFormatError(at("type"), "is not a Raft message type");
  }
}

function entryType(value: unknown, path: string): EntryType {
  if (value !== "normal" && value !== "confChange") {
    throw new WireFormatError(path, "must be normal or confChange");
  }
  return value;
}

function parseEntry(value: unknown, path: string, bytes: BytesDecoder): Entry {
  const f = read.object(value, path);
  return {
    term: asTerm(f.term, `${path}.term`),
    index: asIndex(f.index, `${path}.index`),
    type: entryType(f.type, `${path}.type`),
    data: bytes(f.data, `${path}.data`),
  };
}

function parseMetadata(value: unknown, path: string): SnapshotMetadata {
  const f = read.object(value, path);
  return {
    index: asIndex(f.index, `${path}.index`),
    term: asTerm(f.term, `${path}.term`),
    confState: parseConfState(f.confState, `${path}.confState`),
  };
}

const MEMBERS_MAX = 1024;

function parseConfState(value: unknown, path: string): ConfState {
  const f = read.object(value, path);
  const nodes = (name: string) =>
    read
      .list(f[name], `${path}.${name}`, MEMBERS_MAX)
      .map((id, k) => asNode(id, `${path}.${name}[${k}]`));
  return {
    voters: nodes("voters"),
    learners: nodes("learners"),
    votersOutgoing: nodes("votersOutgoing"),
    learnersNext: nodes("learnersNext"),
    autoLeave: read.boolean(f.autoLeave, `${path}.autoLeave`),
  };
}
