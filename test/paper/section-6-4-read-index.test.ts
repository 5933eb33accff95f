// Thesis 6.4: linearizable reads by ReadIndex. The leader waits until an entry of its term has
// committed, records its commit index, confirms it still leads with a heartbeat round, and only
// then releases the read. Followers forward reads; a deposed leader never answers one.

import { describe, expect, test } from "bun:test";
import type { RawNode } from "../../src/raft/index.ts";
import { TestNetwork } from "../raft/harness.ts";
import {
  appendResponse,
  deliver,
  drain,
  electLeader,
  heartbeatResponse,
  newNode,
  ofType,
} from "./fixture.ts";

/** Leader 1 of `voters` in term 2, log [1, 2]; its no-op (index 2) is not yet committed. */
function newLeader(voters: readonly number[]): RawNode {
  const raw = newNode({ id: 1, voters, logTerms: [1], commit: 1 });
  drain(raw);
  electLeader(raw, voters.filter((id) => id !== 1).slice(0, Math.floor(voters.length / 2)));
  return raw;
}

/** The leader with its no-op committed by acks from the first half of the followers. */
function committedLeader(voters: readonly number[]): RawNode {
  const raw = newLeader(voters);
  for (const from of voters.filter((id) => id !== 1).slice(0, Math.floor(voters.length / 2))) {
    deliver(raw, appendResponse({ from, to: 1, term: 2, index: 2 }));
  }
  expect(raw.status().commit).toBe(2 as never);
  return raw;
}

function readStatesOf(drained: ReturnType<typeof drain>) {
  return drained.readies.flatMap((ready) => ready.readStates);
}

describe("thesis 6.4 ReadIndex", () => {
  test("a single voter restarted with a lagging commit index serves no read before its term's entry commits", () => {
    // Entries 2 and 3 were committed, and answered for, before the crash; the commit index
    // in the hard state (1) is not written at once and lagged. The read must not be served
    // at 1: it would miss them (Raft simulation seed 60474).
    const raw = newNode({ id: 1, voters: [1], logTerms: [1, 1, 1], commit: 1 });
    drain(raw);
    raw.campaign();
    expect(raw.status().role).toBe("leader");
    expect(raw.readIndex("r")).toEqual({ accepted: true });
    // Its no-op (index 4) commits once persisted; then the read goes ahead at 4.
    expect(readStatesOf(drain(raw))).toEqual([{ index: 4, context: "r" }] as never);
  });

  test("leader holds a read until an entry of its own term has committed (thesis 6.4)", () => {
    const raw = newLeader([1, 2, 3]);
    expect(raw.readIndex("r")).toEqual({ accepted: true });
    const waiting = drain(raw);
    expect(readStatesOf(waiting)).toEqual([]);
    expect(ofType(waiting.messages, "Heartbeat").filter((m) => m.readContext === "r")).toEqual([]);
    // The no-op commits: now the read's heartbeat round starts, at index 2.
    const { messages } = deliver(raw, appendResponse({ from: 2, to: 1, term: 2, index: 2 }));
    const round = ofType(messages, "Heartbeat").filter((m) => m.readContext === "r");
    expect(round.map((m) => m.to)).toEqual([2, 3] as never);
    const released = deliver(raw, heartbeatResponse({ from: 3, to: 1, term: 2, readContext: "r" }));
    expect(readStatesOf(released)).toEqual([{ index: 2, context: "r" }] as never);
  });

  test("leader releases a read only after a quorum answered its heartbeat round (thesis 6.4)", () => {
    const raw = committedLeader([1, 2, 3, 4, 5]);
    raw.readIndex("r");
    const { messages } = drain(raw);
    expect(ofType(messages, "Heartbeat").map((m) => [m.to, m.readContext])).toEqual([
      [2, "r"],
      [3, "r"],
      [4, "r"],
      [5, "r"],
    ] as never);
    const ack = (from: number) =>
      readStatesOf(deliver(raw, heartbeatResponse({ from, to: 1, term: 2, readContext: "r" })));
    expect(ack(4)).toEqual([]);
    // The read index is the commit index when the read arrived, even if commit moved since.
    raw.propose(new Uint8Array(1));
    drain(raw);
    expect(ack(5)).toEqual([{ index: 2, context: "r" }] as never);
  });

  test("heartbeat answers without the read's context do not confirm it (thesis 6.4)", () => {
    const raw = committedLeader([1, 2, 3]);
    raw.readIndex("r");
    drain(raw);
    for (const from of [2, 3]) {
      expect(readStatesOf(deliver(raw, heartbeatResponse({ from, to: 1, term: 2 })))).toEqual([]);
    }
  });

  test("a follower's read is forwarded and answered with ReadIndexResponse (thesis 6.4)", () => {
    const network = TestNetwork.bootstrap([1, 2, 3]);
    network.campaign(1);
    network.propose(1, "x");
    const commit = network.node(1).raw.status().commit;
    const before = network.delivered.length;
    expect(network.node(2).raw.readIndex("f")).toEqual({ accepted: true });
    network.deliver([]);
    const exchanged = network.delivered.slice(before);
    expect(ofType(exchanged, "ReadIndex").map((m) => [m.from, m.to])).toEqual([[2, 1]] as never);
    expect(ofType(exchanged, "ReadIndexResponse").map((m) => [m.to, m.index])).toEqual([
      [2, commit],
    ] as never);
    expect(network.node(2).readStates).toEqual([{ index: commit, context: "f" }]);
  });

  test("a deposed leader does not answer a pending read (thesis 6.4)", () => {
    const raw = committedLeader([1, 2, 3]);
    raw.readIndex("r");
    drain(raw);
    // Node 2 has moved on to term 3 and says so; node 3's late ack of the round follows.
    deliver(raw, appendResponse({ from: 2, to: 1, term: 3, index: 2, success: false }));
    expect(raw.status().role).toBe("follower");
    const late = deliver(raw, heartbeatResponse({ from: 3, to: 1, term: 2, readContext: "r" }));
    expect(readStatesOf(late)).toEqual([]);
  });

  test("a leader cut off from the majority never serves a read (thesis 6.4)", () => {
    const network = TestNetwork.bootstrap([1, 2, 3], {
      config: { preVote: false, checkQuorum: false },
    });
    network.campaign(1);
    network.isolate(1);
    network.campaign(2);
    expect(network.node(2).raw.status().role).toBe("leader");
    // Node 1 still believes it leads term 2 and is asked for a read while partitioned.
    expect(network.node(1).raw.status().role).toBe("leader");
    network.node(1).raw.readIndex("stale");
    network.deliver([]);
    network.tick(5);
    network.heal();
    network.tick(5);
    expect(network.node(1).readStates).toEqual([]);
    expect(network.node(1).raw.status().role).toBe("follower");
  });
});
