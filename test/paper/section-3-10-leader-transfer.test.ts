// Thesis 3.10: leadership transfer. The leader stops accepting proposals, brings the
// transferee's log up to date, then sends TimeoutNow so it campaigns at once. A transfer that
// does not finish within an election timeout is abandoned; followers forward requests.

import { describe, expect, test } from "bun:test";
import { nodeId } from "../../src/lib/index.ts";
import { TestNetwork } from "../raft/harness.ts";
import {
  appendResponse,
  bytes,
  deliver,
  drain,
  electLeader,
  heartbeat,
  newNode,
  ofType,
  requestVote,
  tickTimes,
} from "./fixture.ts";

const ELECTION_TICKS = 10;

/** Leader 1 of {1,2,3} (learner 4) in term 2; node 2 acknowledged the no-op, node 3 did not. */
function leaderWithLaggingNode3() {
  const raw = newNode({ id: 1, voters: [1, 2, 3], learners: [4], logTerms: [1], commit: 1 });
  drain(raw);
  electLeader(raw, [2]);
  deliver(raw, appendResponse({ from: 2, to: 1, term: 2, index: 2 }));
  expect(raw.status().commit).toBe(2 as never);
  return raw;
}

describe("thesis 3.10 leadership transfer", () => {
  test("leader sends TimeoutNow at once to an up-to-date transferee (thesis 3.10)", () => {
    const raw = leaderWithLaggingNode3();
    raw.transferLeader(nodeId(2));
    const { messages } = drain(raw);
    expect<unknown>(ofType(messages, "TimeoutNow").map((m) => [m.to, m.term])).toEqual([[2, 2]]);
    expect(raw.status().leadTransferee).toBe(2 as never);
  });

  test("leader brings a lagging transferee up to date before sending TimeoutNow (thesis 3.10)", () => {
    const raw = leaderWithLaggingNode3();
    raw.transferLeader(nodeId(3));
    expect(ofType(drain(raw).messages, "TimeoutNow")).toEqual([]);
    expect(raw.status().leadTransferee).toBe(3 as never);
    // Node 3 now confirms it holds everything up to the leader's last index.
    const { messages } = deliver(raw, appendResponse({ from: 3, to: 1, term: 2, index: 2 }));
    expect(ofType(messages, "TimeoutNow").map((m) => m.to)).toEqual([3 as never]);
  });

  test("leader refuses proposals while a transfer is in progress (thesis 3.10)", () => {
    const raw = leaderWithLaggingNode3();
    raw.transferLeader(nodeId(3));
    drain(raw);
    expect(raw.propose(bytes("x"))).toMatchObject({
      accepted: false,
      reason: "transfer-in-progress",
      leaderHint: 3,
    });
  });

  test("a transfer that does not finish within an election timeout is abandoned (thesis 3.10)", () => {
    const raw = leaderWithLaggingNode3();
    raw.transferLeader(nodeId(3));
    drain(raw);
    tickTimes(raw, ELECTION_TICKS);
    expect(raw.status()).toMatchObject({ role: "leader", leadTransferee: 0 });
    expect(raw.propose(bytes("x"))).toMatchObject({ accepted: true });
  });

  test("leader ignores a transfer to a learner or to a non-member (thesis 3.10)", () => {
    const raw = leaderWithLaggingNode3();
    for (const target of [4, 9, 1]) {
      raw.transferLeader(nodeId(target));
      expect(ofType(drain(raw).messages, "TimeoutNow")).toEqual([]);
      expect(raw.status().leadTransferee).toBe(0 as never);
    }
  });

  test("transferee campaigns at once on TimeoutNow, skipping pre-vote (thesis 3.10)", () => {
    const raw = newNode({
      id: 2,
      voters: [1, 2, 3],
      logTerms: [1, 2],
      term: 2,
      commit: 2,
      config: { preVote: true, checkQuorum: true },
    });
    drain(raw);
    deliver(raw, heartbeat({ from: 1, to: 2, term: 2, leaderCommit: 2 }));
    const { messages } = deliver(raw, {
      type: "TimeoutNow",
      from: nodeId(1),
      to: nodeId(2),
      term: 2 as never,
    });
    expect(raw.status()).toMatchObject({ role: "candidate", term: 3, vote: 2 });
    expect<unknown>(ofType(messages, "RequestPreVote")).toEqual([]);
    const requests = ofType(messages, "RequestVote");
    expect<unknown>(requests.map((m) => [m.to, m.term, m.isLeaderTransfer])).toEqual([
      [1, 3, true],
      [3, 3, true],
    ]);
  });

  test("TimeoutNow from a member that is not our leader is ignored (thesis 3.10)", () => {
    const raw = newNode({
      id: 2,
      voters: [1, 2, 3],
      logTerms: [1, 2],
      term: 2,
      commit: 2,
      config: { preVote: true, checkQuorum: true },
    });
    drain(raw);
    deliver(raw, heartbeat({ from: 1, to: 2, term: 2, leaderCommit: 2 }));
    const { messages } = deliver(raw, {
      type: "TimeoutNow",
      from: nodeId(3),
      to: nodeId(2),
      term: 2 as never,
    });
    expect(raw.status()).toMatchObject({ role: "follower", term: 2, leaderId: 1 });
    expect(messages).toEqual([]);
  });

  test("voters that heard from the leader still grant a transfer's vote (thesis 3.10)", () => {
    const raw = newNode({
      id: 3,
      voters: [1, 2, 3],
      logTerms: [1, 2],
      term: 2,
      commit: 2,
      config: { preVote: true, checkQuorum: true },
    });
    drain(raw);
    deliver(raw, heartbeat({ from: 1, to: 3, term: 2, leaderCommit: 2 }));
    const ask = (isLeaderTransfer: boolean) =>
      ofType(
        deliver(
          raw,
          requestVote({
            from: 2,
            to: 3,
            term: 3,
            lastLogIndex: 2,
            lastLogTerm: 2,
            isLeaderTransfer,
          }),
        ).messages,
        "RequestVoteResponse",
      ).map((m) => m.voteGranted);
    // An ordinary candidate is ignored while the leader's lease holds; a transfer is not.
    expect(ask(false)).toEqual([]);
    expect(ask(true)).toEqual([true]);
  });

  test("leadership moves to the transferee in a running group (thesis 3.10)", () => {
    const network = TestNetwork.bootstrap([1, 2, 3]);
    network.campaign(1);
    const term = network.node(1).raw.status().term;
    network.node(1).raw.transferLeader(nodeId(2));
    network.deliver([]);
    expect(network.leaders()).toEqual([2 as never]);
    expect(network.node(2).raw.status().term).toBe((term + 1) as never);
  });

  test("a follower forwards a transfer request to the leader (thesis 3.10)", () => {
    const network = TestNetwork.bootstrap([1, 2, 3]);
    network.campaign(1);
    const before = network.delivered.length;
    network.node(2).raw.transferLeader(nodeId(3));
    network.deliver([]);
    const forwarded = network.delivered.slice(before).filter((m) => m.type === "TransferLeader");
    expect(forwarded.map((m) => [m.from, m.to])).toEqual([[2, 1]] as never);
    expect(network.leaders()).toEqual([3 as never]);
  });
});
