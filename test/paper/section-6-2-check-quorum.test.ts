// Thesis 6.2: a leader that has not heard from a quorum within an election timeout steps down,
// so that clients go to the real leader and a deposed leader cannot keep serving.

import { describe, expect, test } from "bun:test";
import { nodeId } from "../../src/lib/index.ts";
import { TestNetwork } from "../raft/harness.ts";
import {
  bytes,
  deliver,
  drain,
  electLeader,
  heartbeatResponse,
  newNode,
  ofType,
} from "./fixture.ts";

const ELECTION_TICKS = 10;

function checkQuorumLeader(voters: readonly number[]) {
  const raw = newNode({
    id: 1,
    voters,
    logTerms: [1],
    commit: 1,
    config: { checkQuorum: true },
  });
  drain(raw);
  electLeader(
    raw,
    voters.filter((id) => id !== 1),
  );
  return raw;
}

describe("thesis 6.2 check-quorum", () => {
  test("leader steps down after an election timeout without hearing from a quorum (thesis 6.2)", () => {
    const raw = checkQuorumLeader([1, 2, 3]);
    for (let tick = 1; tick < ELECTION_TICKS; tick++) {
      raw.tick();
      drain(raw);
      expect(raw.status().role).toBe("leader");
    }
    raw.tick();
    drain(raw);
    expect(raw.status()).toMatchObject({ role: "follower", leaderId: 0, term: 2 });
  });

  test("leader that keeps hearing from a quorum keeps leading (thesis 6.2)", () => {
    const raw = checkQuorumLeader([1, 2, 3]);
    for (let tick = 0; tick < 10 * ELECTION_TICKS; tick++) {
      raw.tick();
      drain(raw);
      deliver(raw, heartbeatResponse({ from: 2, to: 1, term: 2 }));
    }
    expect(raw.status().role).toBe("leader");
  });

  test("the leader tells which followers answered within the last election timeout", () => {
    const raw = checkQuorumLeader([1, 2, 3, 4, 5]);
    expect([1, 2, 3].map((id) => raw.isRecentlyActive(nodeId(id)))).toEqual([true, true, true]);
    for (let tick = 0; tick < ELECTION_TICKS; tick++) {
      raw.tick();
      drain(raw);
      deliver(raw, heartbeatResponse({ from: 2, to: 1, term: 2 }));
      deliver(raw, heartbeatResponse({ from: 3, to: 1, term: 2 }));
    }
    expect([1, 2, 3, 4].map((id) => raw.isRecentlyActive(nodeId(id)))).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(raw.isRecentlyActive(nodeId(9))).toBe(false);
  });

  test("a new leader counts every voter active, but only those that answered as heard from", () => {
    const raw = checkQuorumLeader([1, 2, 3, 4, 5]);
    // electLeader delivered the votes of 2, 3, 4 and 5: vote answers go before the term's
    // tracker, so no voter has answered this leader yet.
    expect([2, 3, 4, 5].map((id) => raw.isRecentlyActive(nodeId(id)))).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(raw.hasAnsweredRecently(nodeId(1))).toBe(true);
    deliver(raw, heartbeatResponse({ from: 2, to: 1, term: 2 }));
    expect([2, 3].map((id) => raw.hasAnsweredRecently(nodeId(id)))).toEqual([true, false]);
    for (let tick = 0; tick < ELECTION_TICKS; tick++) {
      raw.tick();
      drain(raw);
    }
    // Silent for a whole timeout: neither counts any more (this leader stepped down, too).
    expect(raw.hasAnsweredRecently(nodeId(2))).toBe(false);
  });

  test("hearing from a minority is not enough to keep leading (thesis 6.2)", () => {
    const raw = checkQuorumLeader([1, 2, 3, 4, 5]);
    for (let tick = 0; tick < ELECTION_TICKS; tick++) {
      raw.tick();
      drain(raw);
      deliver(raw, heartbeatResponse({ from: 2, to: 1, term: 2 }));
    }
    expect(raw.status().role).toBe("follower");
  });

  test("a leader that stepped down never acts as leader again on its own (thesis 6.2)", () => {
    const raw = checkQuorumLeader([1, 2, 3]);
    for (let tick = 0; tick < ELECTION_TICKS; tick++) {
      raw.tick();
      drain(raw);
    }
    expect(raw.status().role).toBe("follower");
    expect(raw.propose(bytes("x"))).toMatchObject({ accepted: false, reason: "not-leader" });
    expect(raw.readIndex("read")).toMatchObject({ accepted: false });
    const sent = [];
    for (let tick = 0; tick < 10 * ELECTION_TICKS; tick++) {
      raw.tick();
      sent.push(...drain(raw).messages);
      expect(raw.status().role).not.toBe("leader");
    }
    expect(ofType(sent, "AppendEntries")).toEqual([]);
    expect(ofType(sent, "Heartbeat")).toEqual([]);
  });

  test("an isolated leader steps down while the majority elects a new one (thesis 6.2)", () => {
    const network = TestNetwork.bootstrap([1, 2, 3]);
    network.campaign(1);
    network.isolate(1);
    network.tick(3 * ELECTION_TICKS);
    expect(network.node(1).raw.status().role).not.toBe("leader");
    const leaders = network.leaders();
    expect(leaders).toHaveLength(1);
    expect([2, 3]).toContain(leaders[0] as number);
  });
});
