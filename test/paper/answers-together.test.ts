// A follower that takes several appends from its leader in one turn answers them with one
// acknowledgement, of the highest index: an acknowledgement says the log matches the leader's
// through its index, so the lower ones would tell the leader nothing more (each is a message
// and a turn on the leader). A rejection keeps its place among them.

import { expect, test } from "bun:test";
import type { AppendEntriesResponse } from "../../src/raft/index.ts";
import { appendEntries, drain, entries, newNode, ofType } from "./fixture.ts";

/** Node 2 follows 1 in term 2, its log [1, 2, 2], entry 1 committed. */
function follower() {
  const raw = newNode({ id: 2, voters: [1, 2, 3], logTerms: [1, 2, 2], commit: 1 });
  drain(raw);
  return raw;
}

function answers(raw: ReturnType<typeof follower>): [boolean, number][] {
  const sent = ofType(drain(raw).messages, "AppendEntriesResponse") as AppendEntriesResponse[];
  return sent.map((answer) => [answer.success, answer.index]);
}

const append = (prevLogIndex: number, terms: readonly number[]) =>
  appendEntries({
    from: 1,
    to: 2,
    term: 2,
    prevLogIndex,
    prevLogTerm: 2,
    entries: entries(prevLogIndex + 1, terms),
    leaderCommit: 3,
  });

test("two appends taken in one turn get one acknowledgement, of the later index", () => {
  const raw = follower();
  raw.step(append(3, [2]));
  raw.step(append(4, [2, 2]));
  expect(answers(raw)).toEqual([[true, 6]]);
});

test("a stale duplicate after a newer append adds no answer and lowers none", () => {
  const raw = follower();
  raw.step(append(3, [2, 2]));
  raw.step(append(3, [2]));
  expect(answers(raw)).toEqual([[true, 5]]);
});

test("a rejection between two acknowledgements keeps its place", () => {
  const raw = follower();
  raw.step(append(3, [2]));
  raw.step(append(9, [2]));
  raw.step(append(4, [2]));
  expect(answers(raw)).toEqual([
    [true, 4],
    [false, 9],
    [true, 5],
  ]);
});

test("appends in different turns are each answered", () => {
  const raw = follower();
  raw.step(append(3, [2]));
  expect(answers(raw)).toEqual([[true, 4]]);
  raw.step(append(4, [2]));
  expect(answers(raw)).toEqual([[true, 5]]);
});
