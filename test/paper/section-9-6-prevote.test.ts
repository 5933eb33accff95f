// Thesis 9.6: pre-vote. A node first asks whether it could win, without changing its term or
// anybody's vote; only then does it campaign. A partitioned node that rejoins therefore cannot
// depose a healthy leader, and voters that heard from a leader recently refuse (thesis 4.2.3).

import { describe, expect, test } from "bun:test";
import { TestNetwork } from "../raft/harness.ts";
import {
  deliver,
  drain,
  heartbeat,
  newNode,
  ofType,
  requestVote,
  tickTimes,
  voteResponse,
} from "./fixture.ts";

const ELECTION_TICKS = 10;

function preVoteNode(id: number, config = {}) {
  const raw = newNode({
    id,
    voters: [1, 2, 3],
    logTerms: [1],
    term: 1,
    commit: 1,
    config: { preVote: true, ...config },
  });
  drain(raw);
  return raw;
}

describe("thesis 9.6 pre-vote", () => {
  test("pre-candidate keeps its term and vote and asks for term+1 (thesis 9.6)", () => {
    const raw = preVoteNode(1);
    raw.campaign();
    const { messages, readies } = drain(raw);
    expect(raw.status()).toMatchObject({ role: "preCandidate", term: 1, vote: 0 });
    expect(readies.some((ready) => ready.hardState !== undefined)).toBe(false);
    expect<unknown>(readies.some((ready) => ready.mustSync)).toBe(false);
    const requests = ofType(messages, "RequestPreVote");
    expect<unknown>(requests.map((m) => [m.to, m.term, m.lastLogIndex, m.lastLogTerm])).toEqual([
      [2, 2, 1, 1],
      [3, 2, 1, 1],
    ]);
  });

  test("voter answers a pre-vote without changing its own term or vote (thesis 9.6)", () => {
    const raw = preVoteNode(2);
    const { messages, readies } = deliver(
      raw,
      requestVote({ from: 1, to: 2, term: 2, lastLogIndex: 1, lastLogTerm: 1, preVote: true }),
    );
    expect<unknown>(
      ofType(messages, "RequestPreVoteResponse").map((m) => [m.term, m.voteGranted]),
    ).toEqual([[2, true]]);
    expect(raw.status()).toMatchObject({ role: "follower", term: 1, vote: 0 });
    expect(readies.some((ready) => ready.hardState !== undefined)).toBe(false);
  });

  test("pre-candidate campaigns for real only after a majority granted its pre-vote (thesis 9.6)", () => {
    const raw = preVoteNode(1);
    raw.campaign();
    drain(raw);
    const { messages } = deliver(
      raw,
      voteResponse({ from: 2, to: 1, term: 2, granted: true, preVote: true }),
    );
    expect<unknown>(raw.status()).toMatchObject({ role: "candidate", term: 2, vote: 1 });
    expect<unknown>(ofType(messages, "RequestVote").map((m) => [m.to, m.term])).toEqual([
      [2, 2],
      [3, 2],
    ]);
  });

  test("pre-candidate rejected by a majority returns to follower in the same term (thesis 9.6)", () => {
    const raw = preVoteNode(1);
    raw.campaign();
    drain(raw);
    deliver(raw, voteResponse({ from: 2, to: 1, term: 1, granted: false, preVote: true }));
    deliver(raw, voteResponse({ from: 3, to: 1, term: 1, granted: false, preVote: true }));
    expect(raw.status()).toMatchObject({ role: "follower", term: 1 });
  });

  test("a partitioned node never raises its term while its pre-votes fail (thesis 9.6)", () => {
    const raw = preVoteNode(3);
    tickTimes(raw, 20 * ELECTION_TICKS);
    expect(raw.status().term).toBe(1 as never);
  });

  test("voter that heard from its leader recently refuses a pre-vote (thesis 9.6, 4.2.3)", () => {
    const raw = preVoteNode(2, { checkQuorum: true });
    deliver(raw, heartbeat({ from: 1, to: 2, term: 1, leaderCommit: 1 }));
    const ask = () =>
      ofType(
        deliver(
          raw,
          requestVote({ from: 3, to: 2, term: 2, lastLogIndex: 1, lastLogTerm: 1, preVote: true }),
        ).messages,
        "RequestPreVoteResponse",
      ).filter((m) => m.voteGranted);
    expect(ask()).toEqual([]);
    expect(raw.status()).toMatchObject({ term: 1, leaderId: 1 });
    // After an election timeout without the leader, the same request is granted.
    tickTimes(raw, ELECTION_TICKS);
    expect(ask()).toHaveLength(1);
  });

  test.each([true, false])(
    "a rejoining partitioned node does not disrupt the leader (entries while away: %p) (thesis 9.6)",
    (isLogBehind) => {
      const network = TestNetwork.bootstrap([1, 2, 3]);
      network.campaign(1);
      const leaderTerm = network.node(1).raw.status().term;
      // 1. Node 3 is partitioned away and times out again and again.
      network.isolate(3);
      if (isLogBehind) network.propose(1, "while-away");
      network.tick(10 * ELECTION_TICKS);
      expect(network.node(3).raw.status().term).toBe(leaderTerm);
      // 2. It rejoins: the leader and its term stay, and node 3 follows again.
      network.heal();
      network.tick(3 * ELECTION_TICKS);
      expect(network.leaders()).toEqual([1 as never]);
      for (const id of [1, 2, 3]) {
        expect(network.node(id).raw.status()).toMatchObject({ term: leaderTerm, leaderId: 1 });
      }
    },
  );
});
