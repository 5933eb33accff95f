// Raft paper §5.2: leader election. Randomized election timeouts, a candidate's vote for
// itself, one vote per term made durable before it is announced, candidates giving way to a
// leader of their term, and split votes that resolve. Learners (thesis 4.2.1) never campaign.

import { describe, expect, test } from "bun:test";
import { TestNetwork } from "../raft/harness.ts";
import {
  appendEntries,
  deliver,
  drain,
  electLeader,
  heartbeat,
  newNode,
  nodeInRole,
  ofType,
  requestVote,
  tickTimes,
  voteResponse,
} from "./fixture.ts";

const ELECTION_TICKS = 10;

/** Ticks until the node starts an election; returns how many ticks that took. */
function ticksUntilCampaign(raw: ReturnType<typeof newNode>): number {
  const startTerm = raw.status().term;
  for (let ticks = 1; ticks <= 10 * ELECTION_TICKS; ticks++) {
    raw.tick();
    drain(raw);
    if (raw.status().term !== startTerm) return ticks;
  }
  return Number.POSITIVE_INFINITY;
}

function follower(seed: number) {
  const raw = newNode({ id: 1, voters: [1, 2, 3], logTerms: [1], commit: 1, seed });
  drain(raw);
  return raw;
}

describe("§5.2 leader election", () => {
  test("follower election timeouts are random in [electionTicks, 2*electionTicks) (§5.2)", () => {
    const timeouts = new Set<number>();
    for (let seed = 1; seed <= 200; seed++) timeouts.add(ticksUntilCampaign(follower(seed)));
    expect(Math.min(...timeouts)).toBeGreaterThanOrEqual(ELECTION_TICKS);
    expect(Math.max(...timeouts)).toBeLessThan(2 * ELECTION_TICKS);
    // Randomized, not fixed: many different values occur.
    expect(timeouts.size).toBeGreaterThanOrEqual(ELECTION_TICKS / 2);
  });

  test("candidate draws a new random timeout for each election it starts (§5.2)", () => {
    const timeouts = new Set<number>();
    for (let seed = 1; seed <= 50; seed++) {
      const raw = follower(seed);
      ticksUntilCampaign(raw);
      // No votes arrive: each further election starts after a fresh timeout, in range.
      for (let round = 0; round < 5; round++) {
        const ticks = ticksUntilCampaign(raw);
        expect(ticks).toBeGreaterThanOrEqual(ELECTION_TICKS);
        expect(ticks).toBeLessThan(2 * ELECTION_TICKS);
        timeouts.add(ticks);
      }
    }
    expect(timeouts.size).toBeGreaterThan(1);
  });

  test("follower that keeps hearing from its leader never starts an election (§5.2)", () => {
    const raw = follower(7);
    for (let tick = 1; tick <= 20 * ELECTION_TICKS; tick++) {
      raw.tick();
      if (tick % (ELECTION_TICKS - 1) === 0) raw.step(heartbeat({ from: 2, to: 1, term: 1 }));
      const { messages } = drain(raw);
      expect(ofType(messages, "RequestVote")).toEqual([]);
    }
    expect(raw.status().term).toBe(1 as never);
    expect(raw.status().role).toBe("follower");
  });

  test("candidate increments its term, votes for itself and asks every other voter (§5.2)", () => {
    const raw = newNode({ id: 1, voters: [1, 2, 3], logTerms: [1, 1], commit: 1 });
    drain(raw);
    raw.campaign();
    const { messages, readies } = drain(raw);
    expect(raw.status()).toMatchObject({ role: "candidate", term: 2, vote: 1 });
    expect<unknown>(readies[0]?.hardState).toMatchObject({ term: 2, vote: 1 });
    const requests = ofType(messages, "RequestVote");
    expect<unknown>(requests.map((m) => [m.to, m.term, m.lastLogIndex, m.lastLogTerm])).toEqual([
      [2, 2, 2, 1],
      [3, 2, 2, 1],
    ]);
  });

  test.each([
    { voters: [1], grants: [], role: "leader" },
    { voters: [1, 2, 3], grants: [], role: "candidate" },
    { voters: [1, 2, 3], grants: [2], role: "leader" },
    { voters: [1, 2, 3, 4], grants: [2], role: "candidate" },
    { voters: [1, 2, 3, 4], grants: [2, 3], role: "leader" },
    { voters: [1, 2, 3, 4, 5], grants: [5], role: "candidate" },
    { voters: [1, 2, 3, 4, 5], grants: [3, 5], role: "leader" },
  ])(
    "candidate of $voters with grants from $grants becomes $role (§5.2)",
    ({ voters, grants, role }) => {
      const raw = newNode({ id: 1, voters, logTerms: [1], commit: 1 });
      drain(raw);
      raw.campaign();
      drain(raw);
      for (const from of grants)
        deliver(raw, voteResponse({ from, to: 1, term: 2, granted: true }));
      expect(raw.status().role).toBe(role as never);
    },
  );

  test("candidate rejected by a majority returns to follower (§5.2)", () => {
    const raw = nodeInRole("candidate", { id: 1, voters: [1, 2, 3], logTerms: [1], commit: 1 });
    deliver(raw, voteResponse({ from: 2, to: 1, term: 2, granted: false }));
    expect(raw.status().role).toBe("candidate");
    deliver(raw, voteResponse({ from: 3, to: 1, term: 2, granted: false }));
    expect(raw.status()).toMatchObject({ role: "follower", term: 2 });
  });

  test("voter grants at most one vote per term, first come first served (§5.2)", () => {
    const raw = follower(1);
    const ask = (from: number) => {
      const { messages } = deliver(
        raw,
        requestVote({ from, to: 1, term: 2, lastLogIndex: 1, lastLogTerm: 1 }),
      );
      return ofType(messages, "RequestVoteResponse").map((m) => [m.to, m.term, m.voteGranted]);
    };
    expect<unknown>(ask(2)).toEqual([[2, 2, true]]);
    expect<unknown>(ask(3)).toEqual([[3, 2, false]]);
    // A retried request from the candidate we voted for gets the same answer.
    expect<unknown>(ask(2)).toEqual([[2, 2, true]]);
    expect(raw.status().vote).toBe(2 as never);
  });

  test("voter persists its vote in the Ready that carries the granted response (§5.2)", () => {
    const raw = follower(1);
    const { readies } = deliver(
      raw,
      requestVote({ from: 2, to: 1, term: 2, lastLogIndex: 1, lastLogTerm: 1 }),
    );
    const carrying = readies.filter((ready) =>
      ofType(ready.messages, "RequestVoteResponse").some((m) => m.voteGranted),
    );
    expect(carrying).toHaveLength(1);
    expect(carrying[0]?.hardState).toMatchObject({ term: 2, vote: 2 });
    expect(carrying[0]?.mustSync).toBe(true);
  });

  test("voter that restarts from its persisted vote does not vote again in that term (§5.2)", () => {
    const raw = follower(1);
    const { readies } = deliver(
      raw,
      requestVote({ from: 2, to: 1, term: 2, lastLogIndex: 1, lastLogTerm: 1 }),
    );
    const persisted = readies.findLast((ready) => ready.hardState !== undefined)?.hardState;
    if (persisted === undefined) throw new Error("no hard state was persisted");
    const restarted = newNode({
      id: 1,
      voters: [1, 2, 3],
      logTerms: [1],
      term: persisted.term,
      vote: persisted.vote,
      commit: persisted.commit,
    });
    drain(restarted);
    const { messages } = deliver(
      restarted,
      requestVote({ from: 3, to: 1, term: 2, lastLogIndex: 1, lastLogTerm: 1 }),
    );
    expect(ofType(messages, "RequestVoteResponse").map((m) => m.voteGranted)).toEqual([false]);
  });

  test("a vote it refuses does not restart a voter's election timer (Figure 2)", () => {
    // Node 1's log is ahead of node 2's. Node 2 campaigns every few ticks, each time at a
    // higher term, and can never win without node 1. Node 1 must still campaign after its
    // own timeout, since it is the one that can win (Raft simulation seed 40710).
    const raw = newNode({ id: 1, voters: [1, 2, 3], logTerms: [1, 2], commit: 1 });
    drain(raw);
    let candidateTerm = 2;
    let ticks = 0;
    while (raw.status().vote !== 1 && ticks < 10 * ELECTION_TICKS) {
      raw.tick();
      ticks++;
      drain(raw);
      if (ticks % 3 === 0) {
        candidateTerm = Math.max(candidateTerm, raw.status().term) + 1;
        const request = { from: 2, to: 1, term: candidateTerm, lastLogIndex: 1, lastLogTerm: 1 };
        const { messages } = deliver(raw, requestVote(request));
        expect(ofType(messages, "RequestVoteResponse").map((m) => m.voteGranted)).toEqual([false]);
      }
    }
    expect(raw.status().role).toBe("candidate");
    expect(ticks).toBeLessThan(2 * ELECTION_TICKS);
  });

  test("a vote it grants restarts a voter's election timer (Figure 2)", () => {
    const raw = follower(3);
    for (let tick = 1; tick <= 20 * ELECTION_TICKS; tick++) {
      raw.tick();
      drain(raw);
      if (tick % (ELECTION_TICKS - 1) === 0) {
        const term = raw.status().term + 1;
        const request = { from: 2, to: 1, term, lastLogIndex: 1, lastLogTerm: 1 };
        const { messages } = deliver(raw, requestVote(request));
        expect(ofType(messages, "RequestVoteResponse").map((m) => m.voteGranted)).toEqual([true]);
      }
      expect(raw.status().role).toBe("follower");
    }
  });

  test.each([
    ["candidate", "AppendEntries"],
    ["candidate", "Heartbeat"],
    ["preCandidate", "AppendEntries"],
    ["preCandidate", "Heartbeat"],
  ] as const)("%s returns to follower on %s from a leader of its term (§5.2)", (role, kind) => {
    const raw = nodeInRole(role, { id: 1, voters: [1, 2, 3], logTerms: [1], commit: 1 });
    const leaderTerm = raw.status().term;
    const message =
      kind === "AppendEntries"
        ? appendEntries({ from: 2, to: 1, term: leaderTerm, prevLogIndex: 1, prevLogTerm: 1 })
        : heartbeat({ from: 2, to: 1, term: leaderTerm, leaderCommit: 1 });
    const { messages } = deliver(raw, message);
    expect(raw.status()).toMatchObject({ role: "follower", term: leaderTerm, leaderId: 2 });
    // The message is then handled as a follower would: it is answered.
    expect<unknown>(messages.map((m) => [m.type, m.to])).toEqual([[`${kind}Response`, 2]]);
  });

  test.each([false, true])(
    "split votes resolve: one leader emerges (pre-vote %p) (§5.2)",
    (preVote) => {
      const network = TestNetwork.bootstrap([1, 2, 3], { config: { preVote, checkQuorum: false } });
      // 1. Node 3 is unreachable. 2. Nodes 1 and 2 campaign at once: each votes for itself and
      // refuses the other, so neither wins the term.
      network.isolate(3);
      network.node(1).raw.campaign();
      network.node(2).raw.campaign();
      network.deliver([]);
      expect(network.leaders()).toEqual([]);
      const splitTerm = network.node(1).raw.status().term;
      expect(network.node(2).raw.status().term).toBe(splitTerm);
      expect(network.node(1).raw.status().role).toBe("candidate");
      expect(network.node(2).raw.status().role).toBe("candidate");
      // 3. With node 3 back, randomized timeouts let one candidate win a later term.
      network.heal();
      for (let tick = 0; tick < 10 * ELECTION_TICKS && network.leaders().length === 0; tick++) {
        network.tick();
      }
      expect(network.leaders()).toHaveLength(1);
      const leader = network.leaders()[0] ?? 0;
      expect(network.node(leader).raw.status().term).toBeGreaterThan(splitTerm);
    },
  );

  test("learner never campaigns, even when its election timeout passes (§5.2, thesis 4.2.1)", () => {
    const raw = newNode({ id: 4, voters: [1, 2, 3], learners: [4], logTerms: [1], commit: 1 });
    drain(raw);
    const { messages } = tickTimes(raw, 10 * ELECTION_TICKS);
    raw.campaign();
    messages.push(...drain(raw).messages);
    raw.step({ type: "TimeoutNow", from: 1 as never, to: 4 as never, term: 1 as never });
    messages.push(...drain(raw).messages);
    expect(messages).toEqual([]);
    expect(raw.status()).toMatchObject({ role: "follower", term: 1, vote: 0 });
  });

  test("leader of a single-voter group is elected by its own vote (§5.2)", () => {
    const raw = newNode({ id: 1, voters: [1], logTerms: [1], commit: 1 });
    drain(raw);
    electLeader(raw, []);
    expect(raw.status()).toMatchObject({ role: "leader", term: 2, leaderId: 1 });
  });
});
