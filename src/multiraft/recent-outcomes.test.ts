import { expect, test } from "bun:test";
import { RecentOutcomes } from "./recent-outcomes.ts";

test("keeps the outcomes of the last applied indexes, the oldest giving way", () => {
  const recent = new RecentOutcomes<string>(3);
  for (let index = 11; index <= 15; index++) recent.add(index, `o${index}`);
  expect([11, 12, 13, 14, 15, 16].map((index) => recent.get(index))).toEqual([
    undefined,
    undefined,
    "o13",
    "o14",
    "o15",
    undefined,
  ]);
});

test("a jump in the indexes (a snapshot in between) forgets what came before it", () => {
  const recent = new RecentOutcomes<string>(4);
  recent.add(1, "a");
  recent.add(2, "b");
  recent.add(9, "c");
  expect([1, 2, 9].map((index) => recent.get(index))).toEqual([undefined, undefined, "c"]);
  recent.add(10, "d");
  expect(recent.get(10)).toBe("d");
});

test("agrees with a map of the last N over a long run, across clears", () => {
  const capacity = 7;
  const recent = new RecentOutcomes<number>(capacity);
  let expected = new Map<number, number>();
  let index = 100;
  for (let step = 0; step < 500; step++) {
    if (step % 97 === 96) {
      recent.clear();
      expected = new Map();
      index += 13;
    }
    recent.add(index, index * 2);
    expected.set(index, index * 2);
    expected.delete(index - capacity);
    for (let probe = index - capacity - 1; probe <= index + 1; probe++) {
      expect(recent.get(probe)).toBe(expected.get(probe));
    }
    index++;
  }
});
