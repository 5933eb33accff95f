// Thesis 3.8 with §5.2 and §5.3: a node persists what an answer depends on before the answer
// leaves. A granted vote needs the vote on disk; a successful append response needs the
// entries it acknowledges on disk; both need the term. The Ready says so with mustSync. Only
// a leader's own replication traffic may leave before its write is durable (thesis 10.2.1).

import { describe, expect, test } from "bun:test";
import { seededRandom } from "../../src/lib/index.ts";
import {
  bootstrapState,
  canSendBeforePersist,
  type Entry,
  type HardState,
  type RaftMessage,
  type RaftMessageType,
  type Ready,
  type Snapshot,
} from "../../src/raft/index.ts";
import { ids, TestNetwork, type TestNode } from "../raft/harness.ts";
import {
  ackAll,
  appendEntries,
  bytes,
  deliver,
  drain,
  electLeader,
  entries,
  heartbeat,
  newNode,
  ofType,
  requestVote,
} from "./fixture.ts";

function follower() {
  const raw = newNode({ id: 2, voters: [1, 2, 3], logTerms: [1], commit: 1 });
  drain(raw);
  return raw;
}

function readiesWith(readies: readonly Ready[], matches: (message: RaftMessage) => boolean) {
  return readies.filter((ready) => ready.messages.some(matches));
}

/** What a host following the Ready contract has on disk; replayed Ready by Ready. */
class ReplayedDisk {
  snapshot: Snapshot | undefined;
  entries: Entry[];

  constructor(
    public hardState: HardState,
    initialEntries: readonly Entry[],
  ) {
    this.entries = [...initialEntries];
  }

  persist(ready: Ready): void {
    if (ready.hardState !== undefined) this.hardState = ready.hardState;
    if (ready.snapshot !== undefined) {
      this.snapshot = ready.snapshot;
      this.entries = [];
    }
    const first = ready.entries[0];
    if (first !== undefined) {
      this.entries = this.entries.filter((entry) => entry.index < first.index);
      this.entries.push(...ready.entries);
    }
  }

  /** Whether the disk holds index `index` (in the snapshot or as an entry of the log). */
  holds(index: number, entryTerm?: number): boolean {
    if (index <= (this.snapshot?.metadata.index ?? 0)) return true;
    const found = this.entries.find((entry) => entry.index === index);
    return found !== undefined && (entryTerm === undefined || found.term === entryTerm);
  }
}

/** Checks one node's Readys against the contract; returns how many answers were checked. */
function checkNode(node: TestNode, voters: readonly number[]): number {
  const initial = bootstrapState(ids(...voters));
  const disk = new ReplayedDisk(initial.hardState, initial.log.entries);
  let checked = 0;
  for (const ready of node.readies) {
    const previous = disk.hardState;
    disk.persist(ready);
    const changesVote =
      disk.hardState.term !== previous.term || disk.hardState.vote !== previous.vote;
    if (changesVote || ready.entries.length > 0 || ready.snapshot !== undefined) {
      expect(ready.mustSync).toBe(true);
    }
    for (const message of ready.messages) {
      const isPreVote =
        message.type === "RequestPreVote" || message.type === "RequestPreVoteResponse";
      if (!isPreVote) expect(message.term).toBeLessThanOrEqual(disk.hardState.term);
      if (message.type === "RequestVoteResponse" && message.voteGranted) {
        expect(disk.hardState).toMatchObject({ term: message.term, vote: message.to });
        checked++;
      }
      if (message.type === "AppendEntriesResponse" && message.success) {
        expect(disk.holds(message.index)).toBe(true);
        checked++;
      }
    }
    for (const entry of ready.committedEntries)
      expect(disk.holds(entry.index, entry.term)).toBe(true);
  }
  return checked;
}

/** A random run: ticks, proposals, drops, partitions and restarts, all from one seed. */
function randomRun(seed: number, voters: readonly number[]): TestNetwork {
  const random = seededRandom(seed);
  const network = TestNetwork.bootstrap([...voters], { seed });
  const lossy = (_: RaftMessage) => random.chance(0.1);
  network.drop(lossy);
  for (let step = 0; step < 400; step++) {
    const action = random.int(0, 20);
    if (action < 12) {
      network.tick();
    } else if (action < 17) {
      for (const leader of network.leaders()) network.propose(leader, `${seed}-${step}`);
    } else if (action === 17) {
      network.isolate(random.pick(voters));
    } else if (action === 18) {
      network.heal();
      network.drop(lossy);
    } else {
      network.node(random.pick(voters)).restart();
      network.deliver([]);
    }
  }
  return network;
}

describe("persistence before answering (thesis 3.8)", () => {
  test("a granted vote leaves in a Ready that persists the vote, with mustSync (§5.2)", () => {
    const raw = follower();
    const { readies } = deliver(
      raw,
      requestVote({ from: 1, to: 2, term: 2, lastLogIndex: 1, lastLogTerm: 1 }),
    );
    const [carrying, ...others] = readiesWith(
      readies,
      (m) => m.type === "RequestVoteResponse" && m.voteGranted,
    );
    expect(others).toEqual([]);
    expect(carrying?.hardState).toMatchObject({ term: 2, vote: 1 });
    expect(carrying?.mustSync).toBe(true);
  });

  test("a successful append response leaves with the entries it acknowledges, with mustSync (§5.3)", () => {
    const raw = follower();
    const { readies } = deliver(
      raw,
      appendEntries({
        from: 1,
        to: 2,
        term: 1,
        prevLogIndex: 1,
        prevLogTerm: 1,
        entries: entries(2, [1, 1]),
      }),
    );
    const [carrying] = readiesWith(readies, (m) => m.type === "AppendEntriesResponse");
    const [response] = ofType(carrying?.messages ?? [], "AppendEntriesResponse");
    expect(response).toMatchObject({ success: true, index: 3 });
    expect(carrying?.entries.map((e) => e.index)).toEqual([2, 3] as never);
    expect(carrying?.mustSync).toBe(true);
  });

  test("an answer carrying a newer term leaves with that term persisted (§5.1)", () => {
    const raw = follower();
    const { readies } = deliver(raw, heartbeat({ from: 1, to: 2, term: 5, leaderCommit: 1 }));
    const [carrying] = readiesWith(readies, (m) => m.type === "HeartbeatResponse");
    expect(carrying?.hardState?.term).toBe(5 as never);
    expect(carrying?.mustSync).toBe(true);
  });

  test("a leader's AppendEntries may leave before its own new entries are durable (thesis 10.2.1)", () => {
    const raw = newNode({ id: 1, voters: [1, 2, 3], logTerms: [1], commit: 1 });
    drain(raw);
    ackAll(raw, electLeader(raw, [2]).messages);
    drain(raw);
    raw.propose(bytes("x"));
    const ready = raw.ready();
    expect(ready.entries.map((e) => e.index)).toEqual([3] as never);
    expect(ready.mustSync).toBe(true);
    const appends = ofType(ready.messages, "AppendEntries");
    expect(appends.length).toBeGreaterThan(0);
    for (const message of appends) {
      expect(message.entries.map((e) => e.index)).toContain(3 as never);
      expect(canSendBeforePersist(message)).toBe(true);
    }
    raw.advance(ready);
  });

  const ANSWERS: RaftMessageType[] = [
    "RequestVoteResponse",
    "RequestPreVoteResponse",
    "AppendEntriesResponse",
    "HeartbeatResponse",
    "InstallSnapshotResponse",
    "ReadIndexResponse",
  ];
  test.each(ANSWERS)("a %s never leaves before the Ready is persisted (thesis 3.8)", (type) => {
    expect(canSendBeforePersist({ type } as RaftMessage)).toBe(false);
  });

  test.each([1, 2, 3, 4, 5, 6, 7, 8])(
    "every answer in a random run depends only on durable state (seed %i) (thesis 3.8)",
    (seed) => {
      const voters = [1, 2, 3, 4, 5];
      const network = randomRun(seed, voters);
      let checked = 0;
      for (const id of voters) checked += checkNode(network.node(id), voters);
      // The run must have exercised the rule: votes were granted and entries acknowledged.
      expect(checked).toBeGreaterThan(20);
    },
  );
});
