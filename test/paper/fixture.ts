// Builders for the Raft paper tests: a RawNode in a chosen state (log, term, membership, role),
// a host loop that persists nothing but follows the Ready contract, and message constructors
// that take plain numbers. Tests drive nodes with step()/tick() and inspect Ready and status().

import { logIndex, type NodeId, nodeId, seededRandom, term } from "../../src/lib/index.ts";
import {
  type AppendEntries,
  type AppendEntriesResponse,
  type ConfChange,
  type ConfChangeTransition,
  type ConfChangeType,
  DEFAULT_RAFT_CONFIG,
  EMPTY_CONF_STATE,
  type Entry,
  type Heartbeat,
  type HeartbeatResponse,
  type InstallSnapshot,
  type InstallSnapshotResponse,
  type RaftConfig,
  type RaftMessage,
  type RaftMessageType,
  type RaftMutations,
  RawNode,
  type Ready,
  type Role,
  type Snapshot,
  type VoteRequest,
  type VoteResponse,
} from "../../src/raft/index.ts";

/** Like etcd's paper tests: no pre-vote and no check-quorum unless a test turns them on. */
export const PAPER_CONFIG: Omit<RaftConfig, "id"> = {
  ...DEFAULT_RAFT_CONFIG,
  electionTicks: 10,
  heartbeatTicks: 1,
  preVote: false,
  checkQuorum: false,
};

export interface NodeSpec {
  readonly id: number;
  readonly voters: readonly number[];
  readonly learners?: readonly number[];
  readonly votersOutgoing?: readonly number[];
  /** Terms of the entries after the snapshot (or from index 1): entry k+1 has logTerms[k]. */
  readonly logTerms?: readonly number[];
  /** The entries themselves, instead of logTerms (for ConfChange entries, payloads). */
  readonly logEntries?: readonly Entry[];
  /** Defaults to the last entry's term. */
  readonly term?: number;
  readonly vote?: number;
  /** Defaults to the snapshot index, or 0. */
  readonly commit?: number;
  readonly snapshot?: { readonly index: number; readonly term: number; readonly data?: Uint8Array };
  readonly config?: Partial<Omit<RaftConfig, "id">>;
  readonly seed?: number;
  readonly mutations?: RaftMutations;
}

export const NONE = nodeId(0);

export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function entry(index: number, entryTerm: number, data = new Uint8Array()): Entry {
  return { index: logIndex(index), term: term(entryTerm), type: "normal", data };
}

/** Entries firstIndex, firstIndex+1, ... with the given terms. */
export function entries(firstIndex: number, terms: readonly number[]): Entry[] {
  return terms.map((entryTerm, k) => entry(firstIndex + k, entryTerm));
}

export function confStateOf(spec: NodeSpec) {
  return {
    ...EMPTY_CONF_STATE,
    voters: spec.voters.map(nodeId),
    learners: (spec.learners ?? []).map(nodeId),
    votersOutgoing: (spec.votersOutgoing ?? []).map(nodeId),
  };
}

export function newNode(spec: NodeSpec): RawNode {
  const confState = confStateOf(spec);
  const snapshotIndex = spec.snapshot?.index ?? 0;
  const logEntries = spec.logEntries ?? entries(snapshotIndex + 1, spec.logTerms ?? []);
  const lastTerm = logEntries.at(-1)?.term ?? spec.snapshot?.term ?? 0;
  const snapshot: Snapshot | undefined =
    spec.snapshot === undefined
      ? undefined
      : {
          metadata: {
            index: logIndex(spec.snapshot.index),
            term: term(spec.snapshot.term),
            confState,
          },
          data: spec.snapshot.data ?? new Uint8Array(),
        };
  const commit = logIndex(spec.commit ?? snapshotIndex);
  return new RawNode({
    config: { ...PAPER_CONFIG, ...spec.config, id: nodeId(spec.id) },
    random: seededRandom(spec.seed ?? spec.id).fork(`paper-${spec.id}`),
    initial: {
      hardState: { term: term(spec.term ?? lastTerm), vote: nodeId(spec.vote ?? 0), commit },
      confState,
      log: { ...(snapshot === undefined ? {} : { snapshot }), entries: logEntries, commit },
    },
    ...(spec.mutations === undefined ? {} : { mutations: spec.mutations }),
  });
}

export interface Drained {
  readonly messages: RaftMessage[];
  readonly readies: Ready[];
}

/** Handles every pending Ready as a host would (persisting is implicit), then checks invariants. */
export function drain(raw: RawNode): Drained {
  const messages: RaftMessage[] = [];
  const readies: Ready[] = [];
  while (raw.hasReady()) {
    const ready = raw.ready();
    readies.push(ready);
    messages.push(...ready.messages);
    raw.advance(ready);
  }
  raw.checkInvariants();
  return { messages, readies };
}

/** Steps `message` into `raw`, then drains it. */
export function deliver(raw: RawNode, message: RaftMessage): Drained {
  raw.step(message);
  return drain(raw);
}

/** Ticks `raw` `times` times, draining after each tick. */
export function tickTimes(raw: RawNode, times: number): Drained {
  const messages: RaftMessage[] = [];
  const readies: Ready[] = [];
  for (let i = 0; i < times; i++) {
    raw.tick();
    const drained = drain(raw);
    messages.push(...drained.messages);
    readies.push(...drained.readies);
  }
  return { messages, readies };
}

type MessageOf<T extends RaftMessageType> = RaftMessage extends infer M
  ? M extends { readonly type: infer K }
    ? T extends K
      ? M & { readonly type: T }
      : never
    : never
  : never;

export function ofType<T extends RaftMessageType>(
  messages: readonly RaftMessage[],
  type: T,
): MessageOf<T>[] {
  return messages.filter((message): message is MessageOf<T> => message.type === type);
}

export function to(messages: readonly RaftMessage[], id: number): RaftMessage[] {
  return messages.filter((message) => message.to === id);
}

/** The AppendEntries among `messages` addressed to `id`. */
export function appendsTo(messages: readonly RaftMessage[], id: number): AppendEntries[] {
  return ofType(to(messages, id), "AppendEntries");
}

/** Makes `raw` campaign and win with the votes of `grantFrom` (pre-vote round included). */
export function electLeader(raw: RawNode, grantFrom: readonly number[]): Drained {
  raw.campaign();
  let drained = drain(raw);
  for (const type of ["RequestPreVote", "RequestVote"] as const) {
    const requests = ofType(drained.messages, type);
    if (requests.length === 0) continue;
    for (const request of requests.filter((message) => grantFrom.includes(message.to))) {
      raw.step(
        voteResponse({
          from: request.to,
          to: request.from,
          term: request.term,
          granted: true,
          preVote: type === "RequestPreVote",
        }),
      );
    }
    drained = drain(raw);
  }
  if (raw.status().role !== "leader") throw new Error(`node ${raw.status().id} did not win`);
  return drained;
}

/** Puts a node in `role` at `spec.term`+1 (candidate, leader) or `spec.term` (follower). */
export function nodeInRole(role: Role, spec: NodeSpec): RawNode {
  const isPreVote = role === "preCandidate";
  const raw = newNode(isPreVote ? { ...spec, config: { ...spec.config, preVote: true } } : spec);
  drain(raw);
  if (role === "leader") {
    electLeader(
      raw,
      spec.voters.filter((voter) => voter !== spec.id),
    );
  } else if (role !== "follower") {
    raw.campaign();
    drain(raw);
  }
  if (raw.status().role !== role) throw new Error(`could not put node in role ${role}`);
  return raw;
}

// ---- messages ---------------------------------------------------------------------------

interface Route {
  readonly from: number;
  readonly to: number;
  readonly term: number;
}

function envelope(route: Route) {
  return { from: nodeId(route.from), to: nodeId(route.to), term: term(route.term) };
}

export function appendEntries(
  route: Route & {
    readonly prevLogIndex: number;
    readonly prevLogTerm: number;
    readonly entries?: readonly Entry[];
    readonly leaderCommit?: number;
  },
): AppendEntries {
  return {
    type: "AppendEntries",
    ...envelope(route),
    prevLogIndex: logIndex(route.prevLogIndex),
    prevLogTerm: term(route.prevLogTerm),
    entries: route.entries ?? [],
    leaderCommit: logIndex(route.leaderCommit ?? 0),
  };
}

export function appendResponse(
  route: Route & {
    readonly index: number;
    readonly success?: boolean;
    readonly hintIndex?: number;
    readonly hintTerm?: number;
    readonly incarnation?: number;
  },
): AppendEntriesResponse {
  return {
    type: "AppendEntriesResponse",
    ...envelope(route),
    incarnation: route.incarnation ?? 0,
    success: route.success ?? true,
    index: logIndex(route.index),
    hintIndex: logIndex(route.hintIndex ?? 0),
    hintTerm: term(route.hintTerm ?? 0),
  };
}

export function requestVote(
  route: Route & {
    readonly lastLogIndex: number;
    readonly lastLogTerm: number;
    readonly preVote?: boolean;
    readonly isLeaderTransfer?: boolean;
  },
): VoteRequest {
  return {
    type: route.preVote === true ? "RequestPreVote" : "RequestVote",
    ...envelope(route),
    lastLogIndex: logIndex(route.lastLogIndex),
    lastLogTerm: term(route.lastLogTerm),
    isLeaderTransfer: route.isLeaderTransfer ?? false,
  };
}

export function voteResponse(
  route: Route & { readonly granted: boolean; readonly preVote?: boolean },
): VoteResponse {
  return {
    type: route.preVote === true ? "RequestPreVoteResponse" : "RequestVoteResponse",
    ...envelope(route),
    voteGranted: route.granted,
  };
}

export function heartbeat(
  route: Route & {
    readonly leaderCommit?: number;
    readonly readContext?: string;
    readonly isWholeCommit?: true;
    readonly leaderTick?: number | undefined;
  },
): Heartbeat {
  return {
    type: "Heartbeat",
    ...envelope(route),
    leaderCommit: logIndex(route.leaderCommit ?? 0),
    readContext: route.readContext ?? "",
    ...(route.isWholeCommit === true ? { isWholeCommit: true } : {}),
    ...(route.leaderTick === undefined ? {} : { leaderTick: route.leaderTick }),
  };
}

export function heartbeatResponse(
  route: Route & {
    readonly readContext?: string;
    readonly incarnation?: number;
    readonly leaderTick?: number | undefined;
  },
): HeartbeatResponse {
  return {
    type: "HeartbeatResponse",
    ...envelope(route),
    incarnation: route.incarnation ?? 0,
    readContext: route.readContext ?? "",
    ...(route.leaderTick === undefined ? {} : { leaderTick: route.leaderTick }),
  };
}

export function installSnapshot(
  route: Route & {
    readonly snapshot: Snapshot;
    readonly offset: number;
    readonly chunkBytes: number;
  },
): InstallSnapshot {
  const { data } = route.snapshot;
  return {
    type: "InstallSnapshot",
    ...envelope(route),
    metadata: route.snapshot.metadata,
    offset: route.offset,
    totalBytes: data.byteLength,
    data: data.subarray(route.offset, Math.min(route.offset + route.chunkBytes, data.byteLength)),
  };
}

export function installSnapshotResponse(
  route: Route & { readonly snapshotIndex: number; readonly offset: number },
): InstallSnapshotResponse {
  return {
    type: "InstallSnapshotResponse",
    ...envelope(route),
    snapshotIndex: logIndex(route.snapshotIndex),
    offset: route.offset,
  };
}

/** Acknowledges every AppendEntries in `messages` as a follower holding all of it would. */
export function ackAll(raw: RawNode, messages: readonly RaftMessage[]): Drained {
  const all: RaftMessage[] = [];
  const readies: Ready[] = [];
  for (const message of ofType(messages, "AppendEntries")) {
    const index = message.entries.at(-1)?.index ?? message.prevLogIndex;
    const drained = deliver(
      raw,
      appendResponse({ from: message.to, to: message.from, term: message.term, index }),
    );
    all.push(...drained.messages);
    readies.push(...drained.readies);
  }
  return { messages: all, readies };
}

/** The terms of `raw`'s log from `from` to its last index. */
export function logTerms(raw: RawNode, from = 1): number[] {
  const result: number[] = [];
  for (let index = from; index <= raw.status().lastIndex; index++) {
    result.push(raw.termAt(logIndex(index)) ?? -1);
  }
  return result;
}

/** A configuration change of `changes`, each a [type, node id] pair. */
export function confChange(
  transition: ConfChangeTransition,
  ...changes: [ConfChangeType, number][]
): ConfChange {
  return {
    transition,
    changes: changes.map(([type, id]) => ({ type, nodeId: nodeId(id) })),
    context: new Uint8Array(),
  };
}

export function proposeText(raw: RawNode, text: string) {
  return raw.propose(bytes(text));
}

export function ids(values: readonly number[]): NodeId[] {
  return values.map(nodeId);
}

/** Node 1 leads {1,2,3} in term 2; its log is [1, 2] (the term-1 entry, then its no-op). */
export function leaderOfThree(config: Partial<Omit<RaftConfig, "id">> = {}) {
  const raw = newNode({ id: 1, voters: [1, 2, 3], logTerms: [1], commit: 1, config });
  drain(raw);
  const { messages } = electLeader(raw, [2]);
  return { raw, messages };
}

/** The leader with followers 2 and 3 acknowledged, so both are in replicate state. */
export function replicatingLeader(config: Partial<Omit<RaftConfig, "id">> = {}) {
  const { raw, messages } = leaderOfThree(config);
  ackAll(raw, messages);
  drain(raw);
  return raw;
}
