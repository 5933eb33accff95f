// Raft paper §5.4: safety. §5.4.1, the election restriction: a vote goes only to a candidate
// whose log is at least as up-to-date. §5.4.2: a leader commits an entry of an earlier term
// only together with an entry of its own term (Figure 8). Leader Completeness in scenarios.

import { describe, expect, test } from "bun:test";
import { appliedTexts, TestNetwork } from "../raft/harness.ts";
import {
  appendResponse,
  deliver,
  drain,
  electLeader,
  logTerms,
  newNode,
  ofType,
  requestVote,
} from "./fixture.ts";

describe("§5.4.1 election restriction", () => {
  // The voter's log is [1, 1, 2] (last term 2, last index 3).
  test.each([
    { lastLogTerm: 1, lastLogIndex: 3, granted: false, why: "older last term" },
    { lastLogTerm: 1, lastLogIndex: 9, granted: false, why: "older last term, longer log" },
    { lastLogTerm: 2, lastLogIndex: 2, granted: false, why: "same last term, shorter log" },
    { lastLogTerm: 2, lastLogIndex: 3, granted: true, why: "same last term, same length" },
    { lastLogTerm: 2, lastLogIndex: 4, granted: true, why: "same last term, longer log" },
    { lastLogTerm: 3, lastLogIndex: 1, granted: true, why: "newer last term, shorter log" },
  ])(
    "voter grants=$granted to a candidate with $why (§5.4.1)",
    ({ lastLogTerm, lastLogIndex, granted }) => {
      const voter = newNode({ id: 1, voters: [1, 2, 3], logTerms: [1, 1, 2], commit: 1 });
      drain(voter);
      const { messages } = deliver(
        voter,
        requestVote({ from: 2, to: 1, term: 4, lastLogIndex, lastLogTerm }),
      );
      const responses = ofType(messages, "RequestVoteResponse");
      expect<unknown>(responses.map((m) => [m.term, m.voteGranted])).toEqual([[4, granted]]);
      // The term is adopted either way; the vote only when granted.
      expect(voter.status()).toMatchObject({ term: 4, vote: granted ? 2 : 0 });
    },
  );

  test("pre-vote applies the same restriction (§5.4.1, thesis 9.6)", () => {
    const voter = newNode({ id: 1, voters: [1, 2, 3], logTerms: [1, 1, 2], commit: 1 });
    drain(voter);
    const ask = (lastLogIndex: number, lastLogTerm: number) =>
      ofType(
        deliver(
          voter,
          requestVote({ from: 2, to: 1, term: 3, lastLogIndex, lastLogTerm, preVote: true }),
        ).messages,
        "RequestPreVoteResponse",
      ).map((m) => m.voteGranted);
    expect(ask(2, 2)).toEqual([false]);
    expect(ask(3, 2)).toEqual([true]);
  });

  test("a node missing a committed entry cannot win an election (§5.4.1)", () => {
    const network = TestNetwork.bootstrap([1, 2, 3, 4, 5], {
      config: { preVote: false, checkQuorum: false },
    });
    network.campaign(1);
    // 1. Nodes 4 and 5 are cut off while "x" commits on 1, 2 and 3.
    network.isolate(4);
    network.isolate(5);
    network.propose(1, "x");
    expect(appliedTexts(network.node(1))).toEqual(["x"]);
    // 2. The leader goes away; node 4 returns and campaigns. Nodes 2 and 3 refuse it.
    network.heal();
    network.isolate(1);
    const before = network.delivered.length;
    network.campaign(4);
    const answers = ofType(network.delivered.slice(before), "RequestVoteResponse");
    expect(answers.filter((m) => m.to === 4).map((m) => [m.from, m.voteGranted])).toEqual([
      [2, false],
      [3, false],
      [5, true],
    ] as never);
    expect(network.node(4).raw.status().role).not.toBe("leader");
    // 3. Whoever wins later (node 1, without check-quorum, still believes it leads its old
    // term) holds "x": it can only be node 2 or node 3.
    network.tick(100);
    const leaders = network.leaders().filter((id) => id !== 1);
    expect(leaders).toHaveLength(1);
    expect([2, 3]).toContain(leaders[0] as number);
  });
});

describe("§5.4.2 committing entries from previous terms", () => {
  /**
   * Figure 8 (c): node 1 of five leads term 4. Its log is [1, 2]: entry 2 is from term 2 and
   * nodes 2 and 3 hold it too, so a majority stores it. Node 1's own no-op is index 3.
   */
  function figure8Leader() {
    const raw = newNode({
      id: 1,
      voters: [1, 2, 3, 4, 5],
      logTerms: [1, 2],
      term: 3,
      commit: 1,
    });
    drain(raw);
    electLeader(raw, [2, 3]);
    expect(raw.status().term).toBe(4 as never);
    expect(logTerms(raw)).toEqual([1, 2, 4]);
    return raw;
  }

  test("leader does not commit an earlier-term entry stored on a majority (§5.4.2)", () => {
    const raw = figure8Leader();
    // Nodes 2 and 3 confirm they hold entry 2 (not yet the no-op).
    deliver(raw, appendResponse({ from: 2, to: 1, term: 4, index: 2 }));
    deliver(raw, appendResponse({ from: 3, to: 1, term: 4, index: 2 }));
    expect(raw.status().commit).toBe(1 as never);
  });

  test("leader commits an earlier-term entry together with its own term's entry (§5.4.2)", () => {
    const raw = figure8Leader();
    deliver(raw, appendResponse({ from: 2, to: 1, term: 4, index: 2 }));
    deliver(raw, appendResponse({ from: 3, to: 1, term: 4, index: 2 }));
    deliver(raw, appendResponse({ from: 2, to: 1, term: 4, index: 3 }));
    expect(raw.status().commit).toBe(1 as never);
    const { readies } = deliver(raw, appendResponse({ from: 3, to: 1, term: 4, index: 3 }));
    expect(raw.status().commit).toBe(3 as never);
    const applied = readies
      .flatMap((ready) => ready.committedEntries)
      .map((e) => [e.index, e.term]);
    expect(applied).toEqual([
      [2, 2],
      [3, 4],
    ] as never);
  });

  test("an earlier-term entry on a majority may still be overwritten, so it was not committed (§5.4.2)", () => {
    // Figure 8 (d): node 5 has [1, 3]; nodes 2, 3, 4 have [1, 2]. Node 5 can win term 5 with
    // their votes because its last term (3) is newer, and then replaces entry 2 everywhere.
    const voters = [1, 2, 3, 4, 5];
    const node5 = newNode({ id: 5, voters, logTerms: [1, 3], term: 4, commit: 1 });
    drain(node5);
    for (const id of [2, 3, 4]) {
      const voter = newNode({ id, voters, logTerms: [1, 2], term: 4, commit: 1 });
      drain(voter);
      const { messages } = deliver(
        voter,
        requestVote({ from: 5, to: id, term: 5, lastLogIndex: 2, lastLogTerm: 3 }),
      );
      expect(ofType(messages, "RequestVoteResponse").map((m) => m.voteGranted)).toEqual([true]);
    }
  });
});

describe("Leader Completeness (§5.4.3)", () => {
  test("every later leader holds every committed entry (§5.4.3)", () => {
    const network = TestNetwork.bootstrap([1, 2, 3]);
    network.campaign(1);
    network.propose(1, "a");
    network.propose(1, "b");
    network.tick(2);
    const committed = appliedTexts(network.node(1));
    expect(committed).toEqual(["a", "b"]);
    // Leadership moves around by isolating each leader in turn; each new leader must hold
    // "a" and "b", and each must commit new proposals on top of them.
    const proposals = ["c", "d", "e"];
    for (const text of proposals) {
      const [oldLeader = 0] = network.leaders();
      network.isolate(oldLeader);
      network.tick(50);
      const leaders = network.leaders().filter((id) => id !== oldLeader);
      expect(leaders).toHaveLength(1);
      const leader = leaders[0] ?? 0;
      network.propose(leader, text);
      network.heal();
      network.tick(50);
    }
    for (const id of [1, 2, 3]) {
      expect(appliedTexts(network.node(id))).toEqual([...committed, ...proposals]);
    }
  });
});
