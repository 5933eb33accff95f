// Thesis chapter 4: cluster membership changes. Single-voter changes (4.1), learners that catch
// up without voting (4.2.1), a removed leader stepping down (4.2.2), joint consensus (4.3) left
// automatically or on request, one change at a time, and invalid changes ignored alike by all.

import { describe, expect, test } from "bun:test";
import { logIndex, term } from "../../src/lib/index.ts";
import {
  type ConfChange,
  decodeConfChange,
  type Entry,
  encodeConfChange,
  type ProposalRefusal,
  type ProposeResult,
} from "../../src/raft/index.ts";
import { appliedTexts, TestNetwork } from "../raft/harness.ts";
import {
  appendEntries,
  appendResponse,
  bytes,
  confChange,
  deliver,
  drain,
  electLeader,
  newNode,
  ofType,
  tickTimes,
  voteResponse,
} from "./fixture.ts";

/** Nodes 1, 2, 3 with node 1 leading and its no-op committed everywhere. */
function threeNodes(): TestNetwork {
  const network = TestNetwork.bootstrap([1, 2, 3]);
  network.campaign(1);
  return network;
}

function propose(network: TestNetwork, leader: number, change: ConfChange) {
  const result = network.node(leader).raw.proposeConfChange(change);
  network.deliver([]);
  return result;
}

function confStateOf(network: TestNetwork, id: number) {
  return network.node(id).raw.status().confState;
}

/** The ConfChanges a node applied, in order, after the three bootstrap ones. */
function appliedChanges(network: TestNetwork, id: number): ConfChange[] {
  return network
    .node(id)
    .applied.filter((entry) => entry.type === "confChange" && entry.index > 3)
    .map((entry) => decodeConfChange(entry.data))
    .filter((change): change is ConfChange => change !== undefined);
}

/** Every node in `nodeIds` uses a configuration matching `expected`. */
function expectConfState(network: TestNetwork, nodeIds: readonly number[], expected: object): void {
  for (const id of nodeIds) expect(confStateOf(network, id)).toMatchObject(expected);
}

function expectAccepted(result: ProposeResult): void {
  expect(result).toMatchObject({ accepted: true });
}

function expectRefused(result: ProposeResult, reason?: ProposalRefusal): void {
  expect(result).toMatchObject(
    reason === undefined ? { accepted: false } : { accepted: false, reason },
  );
}

/** Leader 1 of {1,2,3} in term 2 with its no-op (index 2) acknowledged by 2 and 3. */
function settledLeader() {
  const raw = newNode({ id: 1, voters: [1, 2, 3], logTerms: [1], commit: 1 });
  drain(raw);
  const { messages } = electLeader(raw, [2]);
  for (const m of ofType(messages, "AppendEntries")) {
    deliver(raw, appendResponse({ from: m.to, to: 1, term: 2, index: 2 }));
  }
  expect(raw.status().applied).toBe(2 as never);
  return raw;
}

/** "index: term on node a vs term on node b" for every index two nodes applied differently. */
function conflictingApplies(network: TestNetwork, nodeIds: readonly number[]): string[] {
  const termAt = new Map<number, { id: number; term: number }>();
  const conflicts: string[] = [];
  for (const id of nodeIds) {
    for (const entry of network.node(id).applied) {
      const seen = termAt.get(entry.index);
      if (seen === undefined) termAt.set(entry.index, { id, term: entry.term });
      else if (seen.term !== entry.term) {
        conflicts.push(`${entry.index}: term ${seen.term} on ${seen.id} vs ${entry.term} on ${id}`);
      }
    }
  }
  return conflicts;
}

function confEntry(index: number, change: ConfChange | Uint8Array): Entry {
  const data = change instanceof Uint8Array ? change : encodeConfChange(change);
  return { index: logIndex(index), term: term(1), type: "confChange", data };
}

describe("thesis 4.1 single-server changes", () => {
  test("an added voter receives the log and then counts toward commit (thesis 4.1)", () => {
    const network = threeNodes();
    network.addEmptyNode(4);
    expectAccepted(propose(network, 1, confChange("auto", ["addVoter", 4])));
    network.tick(3);
    for (const id of [1, 2, 3, 4])
      expect<unknown>(confStateOf(network, id).voters).toEqual([1, 2, 3, 4]);
    // With four voters, leader 1 and node 2 are not a majority.
    network.isolate(3);
    network.isolate(4);
    network.propose(1, "x");
    expect(appliedTexts(network.node(1))).toEqual([]);
    network.heal();
    network.tick(2);
    expect(appliedTexts(network.node(1))).toEqual(["x"]);
    expect(appliedTexts(network.node(4))).toEqual(["x"]);
  });

  test("a removed voter no longer counts toward commit nor receives entries (thesis 4.1)", () => {
    const network = threeNodes();
    propose(network, 1, confChange("auto", ["removeNode", 3]));
    network.tick(2);
    for (const id of [1, 2]) expect<unknown>(confStateOf(network, id).voters).toEqual([1, 2]);
    const before = network.delivered.length;
    network.isolate(2);
    network.propose(1, "x");
    // Two voters: node 1 alone is not a majority, and node 3 is no longer asked.
    expect(appliedTexts(network.node(1))).toEqual([]);
    network.heal();
    network.tick(3);
    expect(appliedTexts(network.node(1))).toEqual(["x"]);
    const toRemoved = network.delivered.slice(before).filter((m) => m.to === 3);
    expect(toRemoved).toEqual([]);
  });

  test("only one configuration change may be pending at a time (thesis 4.1)", () => {
    const network = threeNodes();
    network.isolate(2);
    network.isolate(3);
    expectAccepted(propose(network, 1, confChange("auto", ["addLearner", 4])));
    expectRefused(
      propose(network, 1, confChange("auto", ["addLearner", 5])),
      "conf-change-pending",
    );
    network.heal();
    network.tick(2);
    expect<unknown>(confStateOf(network, 1).learners).toEqual([4]);
    expectAccepted(propose(network, 1, confChange("auto", ["addLearner", 5])));
  });

  test("a new leader accepts a configuration change only after its no-op commits (thesis 4.1)", () => {
    // The no-op rule (Ongaro, raft-dev 2015, fixing single-server changes): a leader may not
    // append a configuration entry until an entry of its own term has committed.
    const raw = newNode({ id: 1, voters: [1, 2, 3], logTerms: [1], commit: 1 });
    drain(raw);
    electLeader(raw, [2]);
    expect(raw.status()).toMatchObject({ role: "leader", commit: 1, applied: 1, lastIndex: 2 });
    expectRefused(
      raw.proposeConfChange(confChange("auto", ["addLearner", 4])),
      "conf-change-pending",
    );
    deliver(raw, appendResponse({ from: 2, to: 1, term: 2, index: 2 }));
    expect(raw.status().applied).toBe(2 as never);
    expectAccepted(raw.proposeConfChange(confChange("auto", ["addLearner", 4])));
  });

  test("a server uses the latest configuration in its log, committed or not (thesis 4.1)", () => {
    const raw = newNode({ id: 2, voters: [1, 2, 3], logTerms: [1], commit: 1 });
    drain(raw);
    deliver(
      raw,
      appendEntries({
        from: 1,
        to: 2,
        term: 1,
        prevLogIndex: 1,
        prevLogTerm: 1,
        entries: [confEntry(2, confChange("auto", ["addLearner", 4]))],
        leaderCommit: 1,
      }),
    );
    expect(raw.status().commit).toBe(1 as never);
    expect(raw.status().confState).toMatchObject({ voters: [1, 2, 3], learners: [4] });
  });

  test("a follower whose uncommitted configuration entry is overwritten reverts (thesis 4.1)", () => {
    const log: Entry[] = [
      { index: logIndex(1), term: term(1), type: "normal", data: bytes("a") },
      confEntry(2, confChange("auto", ["addLearner", 4])),
    ];
    const raw = newNode({ id: 2, voters: [1, 2, 3], logEntries: log, commit: 1 });
    drain(raw);
    // A leader of term 2 never had entry 2: its own entry 2 replaces it.
    deliver(
      raw,
      appendEntries({
        from: 3,
        to: 2,
        term: 2,
        prevLogIndex: 1,
        prevLogTerm: 1,
        entries: [{ index: logIndex(2), term: term(2), type: "normal", data: new Uint8Array() }],
        leaderCommit: 2,
      }),
    );
    expect(raw.status().commit).toBe(2 as never);
    expect(raw.status().confState).toMatchObject({ voters: [1, 2, 3], learners: [] });
  });

  test("a configuration change racing a leader change never splits committed history (thesis 4.1)", () => {
    // The single-server change bug (Ongaro, raft-dev 2015), which the no-op rule prevents.
    const config = { preVote: false, checkQuorum: false };
    const network = TestNetwork.bootstrap([1, 2, 3, 4], { config });
    network.campaign(1);
    network.addEmptyNode(5, { config });
    // 1. Leader 1 appends D = "add 5"; only node 5 hears of it.
    const isSide = (id: number) => id === 1 || id === 5;
    network.drop((m) => isSide(m.from) !== isSide(m.to));
    network.node(1).raw.proposeConfChange(confChange("auto", ["addVoter", 5]));
    network.deliver([]);
    // 2. Node 2 wins the next term with votes from 3 and 4; its no-op reaches node 3 only, and
    // it proposes E = "remove 1" right away.
    network.drop((m) => m.type === "AppendEntries" && m.to === 4);
    network.campaign(2);
    network.node(2).raw.proposeConfChange(confChange("auto", ["removeNode", 1]));
    network.deliver([]);
    // 3. Nodes 2 and 3 go away; node 1 restarts and campaigns among 1, 4 and 5.
    network.heal();
    network.isolate(2);
    network.isolate(3);
    network.node(1).restart();
    network.campaign(1);
    network.campaign(1);
    network.heal();
    network.tick(20);
    // State Machine Safety (§5.4.3): no two nodes applied different entries at one index.
    expect(conflictingApplies(network, [1, 2, 3, 4, 5])).toEqual([]);
  });

  test("an invalid change is refused when proposed (thesis 4.1)", () => {
    const network = threeNodes();
    for (const change of [
      confChange("auto"),
      confChange("auto", ["addVoter", 0]),
      confChange("joint", ["removeNode", 1], ["removeNode", 2], ["removeNode", 3]),
    ]) {
      expectRefused(propose(network, 1, change), "invalid-conf-change");
    }
    expect<unknown>(confStateOf(network, 1).voters).toEqual([1, 2, 3]);
  });

  test("an invalid change that is in the log is ignored identically by every node (thesis 4.1)", () => {
    const log: Entry[] = [
      { index: logIndex(1), term: term(1), type: "normal", data: bytes("a") },
      confEntry(2, confChange("auto")),
      confEntry(3, confChange("auto", ["addVoter", 0])),
      confEntry(4, confChange("joint", ["removeNode", 1], ["removeNode", 2], ["removeNode", 3])),
      confEntry(5, bytes("not a configuration change")),
      confEntry(6, confChange("auto", ["addLearner", 4])),
    ];
    const states = [1, 2, 3].map((id) => {
      const raw = newNode({ id, voters: [1, 2, 3], logEntries: log, commit: 6 });
      drain(raw);
      return raw.status();
    });
    expect(states.map((status) => status.applied)).toEqual([6, 6, 6] as never);
    expect(states.map((status) => status.confState)).toEqual(
      states.map(() => states[0]?.confState) as never,
    );
    expect(states[0]?.confState).toMatchObject({ voters: [1, 2, 3], learners: [4] });
  });
});

describe("thesis 4.2 learners and removed servers", () => {
  test("a learner receives the log but does not count toward commit (thesis 4.2.1)", () => {
    const network = threeNodes();
    network.addEmptyNode(4);
    propose(network, 1, confChange("auto", ["addLearner", 4]));
    network.propose(1, "a");
    expect(confStateOf(network, 1)).toMatchObject({ voters: [1, 2, 3], learners: [4] });
    expect(appliedTexts(network.node(4))).toEqual(["a"]);
    // Leader 1 and learner 4 hold "b", but that is not a majority of the voters.
    network.isolate(2);
    network.isolate(3);
    network.propose(1, "b");
    expect(network.node(4).raw.status().lastIndex).toBe(network.node(1).raw.status().lastIndex);
    expect(appliedTexts(network.node(1))).toEqual(["a"]);
    network.heal();
    network.tick(2);
    expect(appliedTexts(network.node(1))).toEqual(["a", "b"]);
  });

  test("a candidate neither asks a learner for its vote nor counts it (thesis 4.2.1)", () => {
    const raw = newNode({ id: 1, voters: [1, 2, 3], learners: [4], logTerms: [1], commit: 1 });
    drain(raw);
    raw.campaign();
    const { messages } = drain(raw);
    expect(ofType(messages, "RequestVote").map((m) => m.to)).toEqual([2, 3] as never);
    deliver(raw, voteResponse({ from: 4, to: 1, term: 2, granted: true }));
    expect(raw.status().role).toBe("candidate");
    deliver(raw, voteResponse({ from: 2, to: 1, term: 2, granted: true }));
    expect(raw.status().role).toBe("leader");
  });

  test("a learner is promoted to voter, then counts (thesis 4.2.1)", () => {
    const network = threeNodes();
    network.addEmptyNode(4);
    propose(network, 1, confChange("auto", ["addLearner", 4]));
    network.tick(2);
    propose(network, 1, confChange("auto", ["addVoter", 4]));
    network.tick(2);
    expectConfState(network, [1, 2, 3, 4], { voters: [1, 2, 3, 4], learners: [] });
  });

  test("a learner is removed (thesis 4.2.1)", () => {
    const network = threeNodes();
    network.addEmptyNode(4);
    propose(network, 1, confChange("auto", ["addLearner", 4]));
    network.tick(2);
    propose(network, 1, confChange("auto", ["removeNode", 4]));
    network.tick(2);
    expectConfState(network, [1, 2, 3], { voters: [1, 2, 3], learners: [] });
  });

  test("a leader steps down once its removal commits and a remaining voter takes over (thesis 4.2.2)", () => {
    const network = threeNodes();
    expectAccepted(propose(network, 1, confChange("auto", ["removeNode", 1])));
    network.tick(30);
    expect(network.node(1).raw.status().role).not.toBe("leader");
    for (const id of [2, 3]) expect<unknown>(confStateOf(network, id).voters).toEqual([2, 3]);
    const [leader = 0] = network.leaders();
    expect([2, 3]).toContain(leader);
    network.propose(leader, "after");
    network.tick(2);
    expect(appliedTexts(network.node(leader === 2 ? 3 : 2))).toEqual(["after"]);
    // The removed node never leads again.
    network.tick(100);
    expect(network.node(1).raw.status().role).toBe("follower");
    expect(network.node(1).raw.propose(bytes("late"))).toMatchObject({ accepted: false });
  });

  test("a removed leader manages the group until C_new commits, then steps down (thesis 4.2.2)", () => {
    const raw = settledLeader();
    expect(raw.proposeConfChange(confChange("auto", ["removeNode", 1]))).toMatchObject({
      accepted: true,
      index: 3,
    });
    drain(raw);
    deliver(raw, appendResponse({ from: 2, to: 1, term: 2, index: 3 }));
    expect(raw.status()).toMatchObject({ role: "leader", commit: 2 });
    deliver(raw, appendResponse({ from: 3, to: 1, term: 2, index: 3 }));
    expect(raw.status()).toMatchObject({ role: "follower", commit: 3 });
    expect<unknown>(raw.status().confState.voters).toEqual([2, 3]);
    // It never leads again: it is not a voter of its configuration.
    const { messages } = tickTimes(raw, 100);
    expect(raw.status().role).toBe("follower");
    expect(ofType(messages, "RequestVote")).toEqual([]);
    expect(ofType(messages, "RequestPreVote")).toEqual([]);
  });

  test("a removed leader tells the voters that its removal committed before it steps down", () => {
    const raw = settledLeader();
    raw.proposeConfChange(confChange("auto", ["removeNode", 1]));
    drain(raw);
    deliver(raw, appendResponse({ from: 2, to: 1, term: 2, index: 3 }));
    // Node 3's answer commits the removal: the leader steps down in the same step.
    const { messages } = deliver(raw, appendResponse({ from: 3, to: 1, term: 2, index: 3 }));
    expect(raw.status().role).toBe("follower");
    const toNode = (id: number) => messages.filter((message) => message.to === id);
    expect(toNode(2).map((m) => [m.type, "leaderCommit" in m ? m.leaderCommit : "-"])).toEqual([
      ["AppendEntries", 3],
      ["TimeoutNow", "-"],
    ] as never);
    expect(ofType(toNode(3), "AppendEntries").map((m) => m.leaderCommit)).toEqual([3] as never);
  });

  test("a leader removing itself does not count itself toward commit (thesis 4.2.2)", () => {
    // Thesis 4.2.2: while the leader manages a configuration that excludes it, it replicates
    // entries but does not count itself in majorities. Only 2 and 3 decide about C_new.
    const raw = settledLeader();
    raw.proposeConfChange(confChange("auto", ["removeNode", 1]));
    drain(raw);
    deliver(raw, appendResponse({ from: 2, to: 1, term: 2, index: 3 }));
    expect(raw.status().commit).toBe(2 as never);
    deliver(raw, appendResponse({ from: 3, to: 1, term: 2, index: 3 }));
    expect(raw.status().commit).toBe(3 as never);
  });
});

describe("thesis 4.3 joint consensus", () => {
  test("an entry commits in a joint configuration only with majorities of both halves (thesis 4.3)", () => {
    const raw = newNode({
      id: 1,
      voters: [1, 2, 3],
      votersOutgoing: [1, 4, 5],
      logTerms: [1],
      commit: 1,
    });
    drain(raw);
    electLeader(raw, [2, 4]);
    deliver(raw, appendResponse({ from: 2, to: 1, term: 2, index: 2 }));
    deliver(raw, appendResponse({ from: 3, to: 1, term: 2, index: 2 }));
    expect(raw.status().commit).toBe(1 as never);
    deliver(raw, appendResponse({ from: 4, to: 1, term: 2, index: 2 }));
    expect(raw.status().commit).toBe(2 as never);
  });

  test("a candidate in a joint configuration needs majorities of both halves (thesis 4.3)", () => {
    const raw = newNode({
      id: 1,
      voters: [1, 2, 3],
      votersOutgoing: [1, 4, 5],
      logTerms: [1],
      commit: 1,
    });
    drain(raw);
    raw.campaign();
    drain(raw);
    deliver(raw, voteResponse({ from: 2, to: 1, term: 2, granted: true }));
    deliver(raw, voteResponse({ from: 3, to: 1, term: 2, granted: true }));
    expect(raw.status().role).toBe("candidate");
    deliver(raw, voteResponse({ from: 5, to: 1, term: 2, granted: true }));
    expect(raw.status().role).toBe("leader");
  });

  test("joint consensus enters C_old,new and then leaves it by itself (thesis 4.3)", () => {
    const network = threeNodes();
    network.addEmptyNode(4);
    const change = confChange("auto", ["addVoter", 4], ["removeNode", 3]);
    expect(propose(network, 1, change)).toMatchObject({ accepted: true });
    network.tick(3);
    expect(appliedChanges(network, 1).map((c) => c.changes.length)).toEqual([2, 0]);
    expectConfState(network, [1, 2, 4], { voters: [1, 2, 4], votersOutgoing: [] });
    network.propose(1, "x");
    expect(appliedTexts(network.node(4))).toEqual(["x"]);
  });

  test("an explicit joint configuration stays until it is left on request (thesis 4.3)", () => {
    const network = threeNodes();
    network.addEmptyNode(4);
    propose(network, 1, confChange("jointExplicit", ["addVoter", 4]));
    network.tick(20);
    const joint = { voters: [1, 2, 3, 4], votersOutgoing: [1, 2, 3], autoLeave: false };
    expectConfState(network, [1], joint);
    // While joint, no other change may start.
    expectRefused(propose(network, 1, confChange("auto", ["addLearner", 5])));
    expect(propose(network, 1, confChange("auto"))).toMatchObject({ accepted: true });
    network.tick(2);
    expectConfState(network, [1, 2, 3, 4], { voters: [1, 2, 3, 4], votersOutgoing: [] });
  });
});
