// A leader whose broadcast would only tell followers of a new commit (every follower holds
// every entry) holds it for one Ready. The answer to a proposal often makes the next proposal
// before that Ready, whose append then carries the commit: one message to each follower
// instead of two, and a follower that takes the commit with the next entries acknowledges
// them before it applies. A commit nothing follows is told one Ready later.

import { describe, expect, test } from "bun:test";
import type { RawNode } from "../../src/raft/index.ts";
import {
  appendResponse,
  appendsTo,
  confChange,
  drain,
  leaderOfThree,
  newNode,
  ofType,
  proposeText,
  replicatingLeader,
} from "./fixture.ts";

/** One Ready of `raw`, advanced, as a host's turn takes it. */
function turn(raw: RawNode) {
  const ready = raw.ready();
  raw.advance(ready);
  return ready;
}

/** A leader of three with entry 3 sent to both followers, and follower 2's ack of it stepped. */
function leaderThatJustCommitted(): RawNode {
  const raw = replicatingLeader();
  proposeText(raw, "x");
  drain(raw);
  raw.step(appendResponse({ from: 2, to: 1, term: 2, index: 3 }));
  expect(raw.status().commit).toBe(3 as never);
  return raw;
}

describe("a commit notice waits one Ready", () => {
  test("the Ready that commits applies and persists the commit but sends no notice", () => {
    const raw = leaderThatJustCommitted();
    const first = turn(raw);
    expect(first.hardState?.commit).toBe(3 as never);
    expect(first.committedEntries.map((entry) => entry.index)).toEqual([3] as never);
    expect(ofType(first.messages, "AppendEntries")).toEqual([]);
    // Held, not dropped: the node has another Ready, and it tells both followers.
    expect(raw.hasReady()).toBe(true);
    const second = turn(raw);
    for (const id of [2, 3]) {
      expect(appendsTo(second.messages, id).map((m) => [m.leaderCommit, m.entries.length])).toEqual(
        [[3, 0]] as never,
      );
    }
    expect(raw.hasReady()).toBe(false);
  });

  test("a proposal made before the next Ready carries the commit: no empty append", () => {
    const raw = leaderThatJustCommitted();
    const first = turn(raw);
    proposeText(raw, "y");
    const messages = [...first.messages, ...drain(raw).messages];
    for (const id of [2, 3]) {
      expect(appendsTo(messages, id).map((m) => [m.leaderCommit, m.entries.length])).toEqual([
        [3, 1],
      ] as never);
    }
  });

  test("it is held once: a second commit in the next Ready is told there", () => {
    const raw = replicatingLeader();
    proposeText(raw, "x");
    drain(raw);
    proposeText(raw, "y");
    drain(raw);
    raw.step(appendResponse({ from: 2, to: 1, term: 2, index: 3 }));
    expect(ofType(turn(raw).messages, "AppendEntries")).toEqual([]);
    raw.step(appendResponse({ from: 2, to: 1, term: 2, index: 4 }));
    const second = turn(raw);
    for (const id of [2, 3]) {
      expect(appendsTo(second.messages, id).map((m) => m.leaderCommit)).toEqual([4] as never);
    }
  });
});

describe("what is not held", () => {
  test("a configuration change sends a held notice first: a peer it drops still hears", () => {
    // Follower 3 asked to leave; its request committed (entry 3), and the change that removes
    // it is proposed before the next Ready. It takes effect once appended, dropping 3 from
    // the leader's tracker: the notice must have left by then, or 3 waits for its answer.
    const raw = leaderThatJustCommitted();
    const first = turn(raw);
    expect(ofType(first.messages, "AppendEntries")).toEqual([]);
    expect(raw.proposeConfChange(confChange("auto", ["removeNode", 3])).accepted).toBe(true);
    const messages = [...first.messages, ...drain(raw).messages];
    expect(appendsTo(messages, 3).map((m) => [m.leaderCommit, m.entries.length])).toEqual([
      [3, 0],
    ] as never);
    expect(appendsTo(messages, 2).map((m) => [m.leaderCommit, m.entries.length])).toContainEqual([
      3, 1,
    ] as never);
  });

  test("a broadcast with entries to send leaves in the Ready that makes it", () => {
    const raw = replicatingLeader();
    proposeText(raw, "x");
    const ready = turn(raw);
    expect(appendsTo(ready.messages, 2).map((m) => m.entries.length)).toEqual([1]);
    expect(appendsTo(ready.messages, 3).map((m) => m.entries.length)).toEqual([1]);
  });

  test("with a follower still probing, the commit is told in the Ready that makes it", () => {
    // Right after an election both followers are probed; an ack moves 2 to replicate only.
    const { raw, messages } = leaderOfThree();
    const probe = ofType(messages, "AppendEntries").find((m) => m.to === 2);
    if (probe === undefined) throw new Error("the new leader probes follower 2");
    raw.step(appendResponse({ from: 2, to: 1, term: 2, index: probe.prevLogIndex + 1 }));
    const ready = turn(raw);
    expect(ready.hardState?.commit).toBe(2 as never);
    expect(appendsTo(ready.messages, 2).map((m) => [m.leaderCommit, m.entries.length])).toEqual([
      [2, 0],
    ] as never);
  });

  test("a single voter has no notice to hold and no Ready left over", () => {
    const raw = newNode({ id: 1, voters: [1] });
    drain(raw);
    raw.campaign();
    drain(raw);
    proposeText(raw, "x");
    drain(raw);
    expect(raw.hasReady()).toBe(false);
  });
});
