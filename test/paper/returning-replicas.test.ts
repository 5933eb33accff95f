// Beyond the thesis, which assumes a removed server never comes back under its id: here a
// node deletes its replica when removed and may later be added again with a new, empty one,
// and a node removed while cut off must notice that nobody leads it any more.

import { describe, expect, test } from "bun:test";
import { logIndex, nodeId } from "../../src/lib/index.ts";
import {
  appendResponse,
  deliver,
  heartbeat,
  heartbeatResponse,
  newNode,
  nodeInRole,
  ofType,
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
