// Beyond the thesis, which assumes a removed server never comes back under its id: here a
// node deletes its replica when removed and may later be added again with a new, empty one,
// and a node removed while cut off must notice that nobody leads it any more.

import { describe, expect, test } from "bun:test";
import { logIndex, nodeId, seededRandom, term } from "../../src/lib/index.ts";
import { emptyState, RawNode, UNHEARD_ELECTION_TIMEOUTS } from "../../src/raft/index.ts";
import {
  appendResponse,
  deliver,
  drain,
  heartbeat,
  heartbeatResponse,
  newNode,
  nodeInRole,
  ofType,
  PAPER_CONFIG,
  requestVote,
  tickTimes,
  to,
} from "./fixture.ts";

describe("replica incarnations", () => {
  /** Leader 1 at term 2 whose no-op (index 6) follower 2 acknowledged from incarnation 5. */
  function leaderWithAckedFollower() {
    const raw = nodeInRole("leader", { id: 1, voters: [1, 2, 3], logTerms: [1, 1, 1, 1, 1] });
    deliver(raw, appendResponse({ from: 2, to: 1, term: 2, index: 6, incarnation: 5 }));
    expect(raw.matchOf(nodeId(2))).toBe(logIndex(6));
    return raw;
  }

  test("an answer from a new replica makes the leader forget the old one's entries", () => {
    const raw = leaderWithAckedFollower();
    const { messages } = deliver(
      raw,
      appendResponse({ from: 2, to: 1, term: 2, index: 6, success: false, incarnation: 9 }),
    );
    expect(raw.matchOf(nodeId(2))).toBe(logIndex(0));
    // The new replica is empty: the leader walks back and sends it the log from the start.
    const probes = ofType(to(messages, 2), "AppendEntries");
    expect(probes.map((m) => m.prevLogIndex)).toEqual([logIndex(0)]);
  });

  test("a heartbeat answer from a new replica starts a probe", () => {
    const raw = leaderWithAckedFollower();
    const { messages } = deliver(
      raw,
      heartbeatResponse({ from: 2, to: 1, term: 2, incarnation: 9 }),
    );
    expect(raw.matchOf(nodeId(2))).toBe(logIndex(0));
    expect(ofType(to(messages, 2), "AppendEntries").map((m) => m.prevLogIndex)).toEqual([
      logIndex(6),
    ]);
  });

  test("a stale rejection from the same replica is still ignored", () => {
    const raw = leaderWithAckedFollower();
    const { messages } = deliver(
      raw,
      appendResponse({ from: 2, to: 1, term: 2, index: 3, success: false, incarnation: 5 }),
    );
    expect(raw.matchOf(nodeId(2))).toBe(logIndex(6));
    expect(ofType(to(messages, 2), "AppendEntries")).toEqual([]);
  });
});

describe("leader contact", () => {
  test("a node outside the configuration counts the ticks since its leader last spoke", () => {
    // Node 4 was removed: it keeps its last leader, never campaigns, and hears nothing.
    const raw = newNode({ id: 4, voters: [1, 2, 3], logTerms: [1], commit: 1 });
    deliver(raw, heartbeat({ from: 1, to: 4, term: 1, leaderCommit: 1 }));
    expect(raw.status()).toMatchObject({ leaderId: 1, ticksSinceLeaderContact: 0 });
    tickTimes(raw, 50);
    expect(raw.status()).toMatchObject({
      role: "follower",
      leaderId: 1,
      ticksSinceLeaderContact: 50,
    });
    deliver(raw, heartbeat({ from: 1, to: 4, term: 1, leaderCommit: 1 }));
    expect(raw.status().ticksSinceLeaderContact).toBe(0);
  });
});

describe("a replica created again after its node left the group", () => {
  test("votes only for candidates at least as up to date as the replica it replaced", () => {
    // The node's earlier replica held up to index 200 at term 2 when it left. Node 6 was
    // removed long ago without knowing it and still counts node 5 in an old configuration.
    const raw = newNode({ id: 5, voters: [] });
    const floored = new RawNode({
      config: { ...PAPER_CONFIG, id: nodeId(5) },
      random: seededRandom(5),
      initial: { ...emptyState(), voteFloor: { index: logIndex(200), term: term(2) } },
    });
    const granted = (node: RawNode, request: Parameters<typeof requestVote>[0]) =>
      ofType(deliver(node, requestVote(request)).messages, "RequestVoteResponse").map(
        (m) => m.voteGranted,
      );
    const stale = { from: 6, to: 5, term: 3, lastLogIndex: 22, lastLogTerm: 2 };
    // Without the floor an empty log votes for anyone; with it, not for the stale member.
    expect(granted(raw, stale)).toEqual([true]);
    expect(granted(floored, stale)).toEqual([false]);
    const current = { from: 4, to: 5, term: 4, lastLogIndex: 230, lastLogTerm: 2 };
    expect(granted(floored, current)).toEqual([true]);
    // What a tombstone of each would keep: the later of its own last entry and its floor.
    expect(raw.voteFloor()).toEqual({ index: logIndex(0), term: term(0) });
    expect(floored.voteFloor()).toEqual({ index: logIndex(200), term: term(2) });
  });
});

describe("how far behind a returning replica is", () => {
  test("a heartbeat tells a follower holding the whole commit that it is not behind", () => {
    // Back from a restart with everything: its leader has nothing to append.
    const raw = newNode({ id: 2, voters: [1, 2, 3], logTerms: [1, 1, 1], commit: 3 });
    drain(raw);
    deliver(raw, heartbeat({ from: 1, to: 2, term: 1, leaderCommit: 3 }));
    expect(raw.hasHeardGroupCommit()).toBe(false);
    deliver(raw, heartbeat({ from: 1, to: 2, term: 1, leaderCommit: 3, isWholeCommit: true }));
    expect(raw.hasHeardGroupCommit()).toBe(true);
    expect(raw.unappliedCommits()).toBe(0);
  });

  test("a follower of an older leader, which never marks heartbeats, counts as told after a while", () => {
    const raw = newNode({ id: 2, voters: [1, 2, 3], logTerms: [1, 1, 1], commit: 3 });
    drain(raw);
    const unheardTicks = UNHEARD_ELECTION_TIMEOUTS * PAPER_CONFIG.electionTicks;
    // Its leader's heartbeats keep it from campaigning; they never say the commit is whole.
    for (let tick = 1; tick < unheardTicks; tick++) {
      if (tick % PAPER_CONFIG.heartbeatTicks === 0) {
        deliver(raw, heartbeat({ from: 1, to: 2, term: 1, leaderCommit: 3 }));
      }
      tickTimes(raw, 1);
    }
    expect(raw.status()).toMatchObject({ role: "follower", leaderId: 1 });
    expect(raw.hasHeardGroupCommit()).toBe(false);
    tickTimes(raw, 1);
    expect(raw.hasHeardGroupCommit()).toBe(true);
  });

  test("a leader says its heartbeat's commit is whole only to followers that hold it", () => {
    // Follower 2 holds the leader's whole log (index 6, committed with the leader's own
    // copy); follower 3 has acknowledged nothing of this term.
    const raw = nodeInRole("leader", { id: 1, voters: [1, 2, 3], logTerms: [1, 1, 1, 1, 1] });
    deliver(raw, appendResponse({ from: 2, to: 1, term: 2, index: 6 }));
    expect(raw.status().commit).toBe(logIndex(6));
    const { messages } = tickTimes(raw, PAPER_CONFIG.heartbeatTicks);
    const beats = ofType(messages, "Heartbeat");
    expect(beats.map((m) => [m.to, m.leaderCommit, m.isWholeCommit ?? false])).toEqual([
      [2, 6, true],
      [3, 0, false],
    ] as never);
  });
});
