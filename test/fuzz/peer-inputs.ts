// Inter-node batches for fuzzing a running node: garbage the wire gateway must refuse, and
// well-formed batches a correct node must ignore or answer without harm. Those are batches
// for other nodes or for groups it does not host, messages from stale terms (0 and 1, the
// terms before the harness forced an election in every group), and messages from nodes that
// are not members, from node 0 or from the node itself.
//
// Forged senders too: a node that is not a member sends anything a member could (leader
// messages, votes, TimeoutNow, leader transfers, at any term up to 2^53, forwarded management
// commands and membership changes) and claims a member's address. A node takes Raft messages
// and forwards for a group only from its members, so all of that must leave it unharmed.
//
// Threat model: without a cluster secret peers are not authenticated, and Raft is not
// Byzantine fault tolerant. A message that claims to come from a member at a term that is
// not stale would be a forgery that Raft cannot detect (the cluster secret is the defence;
// docs/security.md), so such batches are never sent. isInScope() decides that on the batch as
// the gateway parses it, so mutations cannot sneak one in.

import { encode } from "@msgpack/msgpack";
import type { Random } from "../../src/lib/index.ts";
import { nodeId } from "../../src/lib/index.ts";
import { encodeManagementCommand } from "../../src/management/index.ts";
import { decodeConfChange, encodeConfChange, type RaftMessage } from "../../src/raft/index.ts";
import type { PeerBatch } from "../../src/transport/index.ts";
import {
  mutateBytes,
  mutateJson,
  mutateText,
  randomBytes,
  randomJson,
} from "../contracts/fuzz-inputs.ts";
import { everyRaftMessage } from "../contracts/transport-fixtures.ts";

/** What the harness knows about the node under fuzz. */
export interface PeerContext {
  readonly self: number;
  /** Every member of the cluster, `self` included. */
  readonly members: readonly number[];
  /** Where the members listen (host:port), for forged address claims. */
  readonly memberAddresses: readonly string[];
  /** Groups the node hosts. */
  readonly hostedGroups: readonly number[];
  /** Terms at or below this are stale in every hosted group (the harness forced elections). */
  readonly staleTermMax: number;
}

/** A batch before encoding: the PeerBatch shape with plain numbers, so any id can be used. */
export type WireValue = Record<string, unknown>;

const LEADER_TYPES = new Set(["AppendEntries", "Heartbeat", "InstallSnapshot"]);
const OTHER_TYPES = [
  "RequestVote",
  "RequestPreVote",
  "RequestVoteResponse",
  "RequestPreVoteResponse",
  "AppendEntriesResponse",
  "HeartbeatResponse",
  "InstallSnapshotResponse",
  "TimeoutNow",
  "ReadIndex",
  "ReadIndexResponse",
  "TransferLeader",
] as const;
const ALL_TYPES = [...LEADER_TYPES, ...OTHER_TYPES];
const HUGE = [2 ** 31, 2 ** 32, 2 ** 53 - 1];

export type PeerInputClass =
  | "garbage"
  | "mutated"
  | "misaddressed"
  | "unhosted-group"
  | "stale-term"
  | "unknown-sender"
  | "forged-sender"
  | "forward";

/** One semantic class of well-formed batch, as an object to encode. */
export function wellFormedBatch(
  random: Random,
  context: PeerContext,
  kind: Exclude<PeerInputClass, "garbage" | "mutated">,
): WireValue {
  if (kind === "forged-sender") return forgedSenderBatch(random, context);
  const count = random.chance(0.1) ? random.int(100, 3_000) : random.int(1, 4);
  const to =
    kind === "misaddressed" && random.chance(0.5) ? otherId(random, context) : context.self;
  const from = senderOf(random, context, kind);
  const messages = Array.from({ length: count }, () => {
    if (kind === "forward") return forwardMessage(random, context);
    const group =
      kind === "unhosted-group"
        ? unhostedGroup(random, context)
        : random.pick(context.hostedGroups);
    const type = kind === "unknown-sender" ? random.pick(OTHER_TYPES) : random.pick(ALL_TYPES);
    const messageTo =
      kind === "misaddressed" && to === context.self ? otherId(random, context) : to;
    const term = termOf(random, context, kind);
    return {
      type: "raft",
      groupId: group,
      message: raftMessage(random, type, from, messageTo, term),
    };
  });
  // Newer nodes learn a peer's address from its batches: an unknown sender may claim any.
  if (kind === "unknown-sender" && random.chance(0.3)) {
    const fromAddress = random.pick([
      "127.0.0.1:1",
      "127.0.0.1:0",
      "[::1]:99999",
      "",
      "x".repeat(300),
    ]);
    return { from, to, fromAddress, messages };
  }
  return { from, to, messages };
}

/** A non-member posing as one: any message type and term, forwards, a member's address. */
function forgedSenderBatch(random: Random, context: PeerContext): WireValue {
  const from = unknownId(random, context);
  const messages = Array.from({ length: random.int(1, 4) }, () => {
    const groupId = random.pick(context.hostedGroups);
    if (random.chance(0.25)) return forgedForward(random, context, groupId);
    const type = random.pick(ALL_TYPES);
    const term = random.pick([random.int(2, 1_000), 2 ** 52, ...HUGE]);
    return { type: "raft", groupId, message: raftMessage(random, type, from, context.self, term) };
  });
  const claimed = random.chance(0.5) ? random.pick(context.memberAddresses) : undefined;
  return claimed === undefined
    ? { from, to: context.self, messages }
    : { from, to: context.self, fromAddress: claimed, messages };
}

/** A forwarded proposal that would change the cluster if a node took it from anyone. */
function forgedForward(random: Random, context: PeerContext, groupId: number): WireValue {
  const victim = nodeId(random.pick(context.members));
  if (random.chance(0.5)) {
    const change = encodeConfChange({
      transition: "auto",
      changes: [{ type: "removeNode", nodeId: victim }],
      context: new Uint8Array(0),
    });
    return {
      type: "forward",
      groupId,
      requestId: random.int(0, 1_000),
      entryType: "confChange",
      data: change,
    };
  }
  const command = encodeManagementCommand({ type: "removeNode", nodeId: victim, reason: "forged" });
  return {
    type: "forward",
    groupId,
    requestId: random.int(0, 1_000),
    entryType: "normal",
    data: command,
  };
}

function senderOf(random: Random, context: PeerContext, kind: PeerInputClass): number {
  if (kind === "unknown-sender") return unknownId(random, context);
  return random.pick([0, context.self, unknownId(random, context), ...context.members]);
}

function otherId(random: Random, context: PeerContext): number {
  const others = context.members.filter((id) => id !== context.self);
  return random.pick([0, unknownId(random, context), ...others]);
}

/**
 * Unknown node and group ids come partly from a small pool and partly fresh: repeated ids
 * reach code paths for known-but-bogus peers, fresh ones would show any state kept per
 * distinct id (findings F6 and F7) in the campaign's memory check.
 */
const ID_POOL_SIZE = 200;
const FRESH_ID_CHANCE = 0.3;

function poolOrFresh(random: Random, first: number): number {
  if (random.chance(0.1)) return random.pick(HUGE);
  if (random.chance(FRESH_ID_CHANCE)) return random.int(first, 1_000_000);
  return random.int(first, first + ID_POOL_SIZE);
}

function unknownId(random: Random, context: PeerContext): number {
  for (;;) {
    const id = poolOrFresh(random, 4);
    if (!context.members.includes(id)) return id;
  }
}

function unhostedGroup(random: Random, context: PeerContext): number {
  for (;;) {
    const id = poolOrFresh(random, 2);
    if (!context.hostedGroups.includes(id)) return id;
  }
}

function termOf(random: Random, context: PeerContext, kind: PeerInputClass): number {
  if (kind === "stale-term") return random.int(0, context.staleTermMax + 1);
  if (kind === "unknown-sender") {
    return random.pick([0, 1, random.int(2, 100), random.int(100, 2 ** 31), ...HUGE]);
  }
  return random.pick([0, 1, random.int(2, 1_000), ...HUGE]);
}

function index(random: Random): number {
  return random.pick([0, 1, random.int(0, 50), random.int(50, 100_000), ...HUGE]);
}

function text(random: Random): string {
  return random.pick(["", "read-1", "é✓", "x".repeat(random.int(0, 1_025))]);
}

function ids(random: Random): number[] {
  return Array.from({ length: random.int(0, 4) }, () => random.pick([0, 1, 2, 3, 7, 2 ** 32]));
}

/** The fixtures, built once: they hold a 1 MiB snapshot chunk. */
let templates: readonly RaftMessage[] | undefined;

/**
 * A well-formed message of `type` as the gateway expects it today: the contract fixtures'
 * example of that type (kept in step with the wire format by the transport tests).
 */
export function raftTemplate(type: string): WireValue {
  templates ??= everyRaftMessage();
  const template = templates.find((message) => message.type === type);
  if (template === undefined) throw new Error(`no fixture of Raft message type ${type}`);
  return template as unknown as WireValue;
}

/** A Raft message of `type` with random values in every field of the fixture's shape. */
export function raftMessage(
  random: Random,
  type: string,
  from: number,
  to: number,
  term: number,
): WireValue {
  const fields = randomized(random, raftTemplate(type)) as WireValue;
  return { ...fields, type, from, to, term };
}

/** `value` with every leaf replaced by a random value of the same JSON type. */
function randomized(random: Random, value: unknown, key = ""): unknown {
  if (key === "entries") return entries(random);
  if (value instanceof Uint8Array) return randomBytes(random, random.int(0, 64));
  if (Array.isArray(value)) return ids(random);
  if (typeof value === "number") return index(random);
  if (typeof value === "boolean") return random.chance(0.5);
  if (typeof value === "string") return text(random);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([name, item]) => [name, randomized(random, item, name)]),
  );
}

function entries(random: Random): WireValue[] {
  const first = index(random);
  const isContiguous = random.chance(0.7);
  return Array.from({ length: random.int(0, 5) }, (_, k) => ({
    term: index(random),
    index: isContiguous ? first + k : index(random),
    type: random.chance(0.8) ? "normal" : "confChange",
    data: randomBytes(random, random.int(0, 40)),
  }));
}

function forwardMessage(random: Random, context: PeerContext): WireValue {
  const groupId = random.chance(0.8) ? random.pick(context.hostedGroups) : random.int(2, 1_000);
  const requestId = random.pick([0, 1, 2, random.int(0, 1_000), ...HUGE]);
  switch (random.int(0, 3)) {
    case 0:
      return {
        type: "forward",
        groupId,
        requestId,
        entryType: random.chance(0.8) ? "normal" : "confChange",
        data: randomBytes(random, random.int(0, 200)),
      };
    case 1: {
      const isAccepted = random.chance(0.5);
      const outcome = isAccepted
        ? { accepted: true, index: index(random), term: index(random) }
        : { accepted: false, reason: "not-leader", leaderHint: random.pick([0, 1, 2, 3, 99]) };
      return { type: "forwardResult", groupId, requestId, outcome };
    }
    default:
      return { type: "unknownGroup", groupId };
  }
}

/**
 * Whether delivering `batch` (as the gateway parsed it) stays inside the threat model: every
 * message is one a correct node must ignore or answer harmlessly (see the file comment).
 */
export function isInScope(batch: PeerBatch, context: PeerContext): boolean {
  if (batch.to !== context.self) return true; // The node drops the whole batch.
  // A sender that is no member is refused whatever it sends or claims (batch-router.ts).
  if (batch.from !== 0 && !context.members.includes(batch.from)) return true;
  // A member claiming an address would redirect the node's traffic: a forgery.
  if ((batch as { fromAddress?: string }).fromAddress !== undefined) return false;
  return batch.messages.every((message) => {
    if (!context.hostedGroups.includes(message.groupId)) return true;
    if (message.type === "forward") {
      // A valid membership change would change the cluster legitimately: never sent.
      return message.entryType === "normal" || decodeConfChange(message.data) === undefined;
    }
    if (message.type !== "raft") return true;
    const raft = message.message;
    if (raft.to !== context.self) return true;
    if (raft.term <= context.staleTermMax) return true;
    if (raft.from === 0 || raft.from === context.self) return true;
    const isMember = context.members.includes(raft.from);
    return !isMember && !LEADER_TYPES.has(raft.type);
  });
}

/** JSON text of a batch value (bytes as base64, as the HTTP transport sends them). */
export function batchJsonText(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item instanceof Uint8Array ? Buffer.from(item).toString("base64") : item,
  );
}

export function batchMsgpack(value: unknown): Uint8Array {
  return encode(value, { ignoreUndefined: true });
}

/** Garbage for the gateway: random JSON or bytes, deep nesting, huge arrays. */
export function garbageBatch(random: Random, encoding: "json" | "msgpack"): Uint8Array | string {
  switch (random.int(0, 4)) {
    case 0:
      return encoding === "json"
        ? JSON.stringify(randomJson(random))
        : randomBytes(random, random.int(0, 300));
    case 1: {
      const depth = random.pick([100, 5_000, 100_000]);
      const nested = `${"[".repeat(depth)}${"]".repeat(depth)}`;
      return encoding === "json" ? `{"from":1,"to":2,"messages":${nested}}` : deepMsgpack(depth);
    }
    case 2: {
      const batch = { from: 1, to: 2, messages: Array.from({ length: 100_001 }, () => 0) };
      return encoding === "json" ? JSON.stringify(batch) : batchMsgpack(batch);
    }
    default:
      return encoding === "json"
        ? JSON.stringify(randomJson(random, 8))
        : batchMsgpack(randomJson(random, 8));
  }
}

/** msgpack of an array nested `depth` deep (fixarray of one element, then an empty one). */
function deepMsgpack(depth: number): Uint8Array {
  const bytes = new Uint8Array(depth + 1).fill(0x91);
  bytes[depth] = 0x90;
  return bytes;
}

/** A well-formed batch damaged once: a field replaced or removed, bytes flipped or cut. */
export function mutatedBatch(
  random: Random,
  valid: WireValue,
  encoding: "json" | "msgpack",
): Uint8Array | string {
  if (encoding === "msgpack") {
    return random.chance(0.5)
      ? mutateBytes(random, batchMsgpack(valid))
      : batchMsgpack(mutateJson(random, JSON.parse(batchJsonText(valid))));
  }
  const text = batchJsonText(valid);
  return random.chance(0.5)
    ? mutateText(random, text)
    : JSON.stringify(mutateJson(random, JSON.parse(text)));
}
