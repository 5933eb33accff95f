// A sole voter elects itself and appends in one Ready (no vote to wait for). Its appends may
// not leave before that Ready's new term is on disk: after a crash there it would restart at
// the old term, win the same term again and append other entries at the same indexes, and a
// learner holding the first ones would take them for the same entries (Log Matching, §5.3).

import { expect, test } from "bun:test";
import { type Entry, leavesBeforePersist, type RawNode } from "../../src/raft/index.ts";
import { bytes, newNode } from "./fixture.ts";

const SPEC = { id: 1, voters: [1], learners: [2], logTerms: [1], commit: 1 };

function textOf(entry: Entry | undefined): string {
  return entry === undefined ? "(none)" : new TextDecoder().decode(entry.data);
}

/** Runs leader and learner to quiet, as a host would; returns what each applied. */
function run(leader: RawNode, learner: RawNode): { byLeader: Entry[]; byLearner: Entry[] } {
  const byLeader: Entry[] = [];
  const byLearner: Entry[] = [];
  for (let round = 0; round < 20; round++) {
    let isQuiet = true;
    for (const [raw, applied, peer] of [
      [leader, byLeader, learner],
      [learner, byLearner, leader],
    ] as const) {
      while (raw.hasReady()) {
        isQuiet = false;
        const ready = raw.ready();
        applied.push(...ready.committedEntries);
        for (const message of ready.messages) peer.step(message);
        raw.advance(ready);
      }
    }
    if (isQuiet) leader.tick();
  }
  return { byLeader, byLearner };
}

test("a sole voter's appends at the term it just took wait for that term's write", () => {
  const first = newNode(SPEC);
  first.campaign();
  first.propose(bytes("lost with the crash"));
  const ready = first.ready();
  expect(ready.isTermOrVoteNew).toBe(true);
  const appends = ready.messages.filter((message) => message.type === "AppendEntries");
  expect(appends.length).toBeGreaterThan(0);
  expect(ready.messages.filter((message) => leavesBeforePersist(ready, message))).toEqual([]);
  first.advance(ready);
  // Once the term is on disk, the next appends leave beside their write again (thesis 10.2.1).
  run(first, newNode({ ...SPEC, id: 2 }));
  first.propose(bytes("next"));
  const next = first.ready();
  expect(next.isTermOrVoteNew).toBe(false);
  const early = next.messages.filter((message) => leavesBeforePersist(next, message));
  expect(early.map((message) => message.type)).toContain("AppendEntries");
});

test("a crash before that write leaves the learner and the restarted voter agreeing", () => {
  const learner = newNode({ ...SPEC, id: 2 });
  const first = newNode(SPEC);
  first.campaign();
  first.propose(bytes("lost with the crash"));
  const ready = first.ready();
  // The host sends what may leave early, then dies during the write: nothing of it is on disk.
  for (const message of ready.messages) {
    if (leavesBeforePersist(ready, message)) learner.step(message);
  }
  while (learner.hasReady()) learner.advance(learner.ready());

  const second = newNode(SPEC);
  second.campaign();
  expect(second.status().term).toBe(first.status().term);
  second.propose(bytes("kept"));
  const { byLeader, byLearner } = run(second, learner);
  const at3 = (applied: Entry[]) => textOf(applied.find((entry) => entry.index === 3));
  expect(at3(byLeader)).toBe("kept");
  expect(at3(byLearner)).toBe("kept");
});
