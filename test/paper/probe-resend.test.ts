// Beyond the thesis: when a leader sends a probe again. A probe carries entries (up to
// appendBytesMax), and a follower that was busy, for instance back from a restart, answers
// several heartbeats at once. Every answer used to send the probe again; now only the answer
// to a heartbeat sent after the probe does, which shows the probe was lost (a leader's
// messages to a follower arrive and are answered in order).

import { describe, expect, test } from "bun:test";
import { logIndex } from "../../src/lib/index.ts";
import {
  appendsTo,
  deliver,
  heartbeat,
  heartbeatResponse,
  leaderOfThree,
  newNode,
  ofType,
  tickTimes,
  to,
} from "./fixture.ts";

/** Leader 1 of {1,2,3}, elected at tick 0, its probe to 2 (the no-op) unanswered. */
function leaderProbingTwo() {
  const { raw, messages } = leaderOfThree();
  expect(appendsTo(messages, 2).map((m) => m.prevLogIndex)).toEqual([logIndex(1)]);
  return raw;
}

describe("a leader sends a probe again only when it was lost", () => {
  test("heartbeats carry the leader's tick count", () => {
    const raw = leaderProbingTwo();
    const beats = ofType(to(tickTimes(raw, 2).messages, 2), "Heartbeat");
    expect(beats.map((m) => m.leaderTick)).toEqual([1, 2]);
  });

  test("answers to heartbeats sent before the probe do not send it again", () => {
    const raw = leaderProbingTwo();
    for (let k = 0; k < 3; k++) {
      const answer = heartbeatResponse({ from: 2, to: 1, term: 2, leaderTick: 0 });
      expect(appendsTo(deliver(raw, answer).messages, 2)).toEqual([]);
    }
  });

  test("the answer to a heartbeat sent after the probe sends it again, once", () => {
    const raw = leaderProbingTwo();
    const beat = ofType(to(tickTimes(raw, 1).messages, 2), "Heartbeat")[0];
    const answer = heartbeatResponse({ from: 2, to: 1, term: 2, leaderTick: beat?.leaderTick });
    const resent = appendsTo(deliver(raw, answer).messages, 2);
    expect(resent.map((m) => [m.prevLogIndex, m.entries.map((e) => e.index)])).toEqual([
      [logIndex(1), [logIndex(2)]],
    ]);
    // The copy just sent is the probe in flight now: a second answer to that heartbeat is older.
    expect(appendsTo(deliver(raw, answer).messages, 2)).toEqual([]);
  });

  test("an answer without the tick, from an older node, sends it again as before", () => {
    const raw = leaderProbingTwo();
    const answer = heartbeatResponse({ from: 2, to: 1, term: 2 });
    expect(appendsTo(deliver(raw, answer).messages, 2)).toHaveLength(1);
    expect(appendsTo(deliver(raw, answer).messages, 2)).toHaveLength(1);
  });

  test("a follower echoes the heartbeat's tick, and adds none to a heartbeat without one", () => {
    const follower = newNode({ id: 2, voters: [1, 2, 3], logTerms: [1], term: 2 });
    const answers = (leaderTick?: number) =>
      ofType(
        deliver(follower, heartbeat({ from: 1, to: 2, term: 2, leaderTick })).messages,
        "HeartbeatResponse",
      );
    expect(answers(7).map((m) => m.leaderTick)).toEqual([7]);
    expect(answers().map((m) => "leaderTick" in m)).toEqual([false]);
  });
});
