import { expect, test } from "bun:test";
import { type StartKey, StartOrder } from "./start-order.ts";

const key = (startedAtMs: number, workflowId = `wf-${startedAtMs}`): StartKey => ({
  startedAtMs,
  workflowId,
});

test("removing the oldest again and again keeps the order, past compaction", () => {
  const order = new StartOrder<StartKey>();
  for (let at = 0; at < 5_000; at++) {
    order.insert(key(at));
    if (at >= 1_000) order.remove(key(at - 1_000));
  }
  order.checkInvariants();
  expect(order.size).toBe(1_000);
  const newest = [...order.newestFirst()];
  expect(newest.at(0)).toEqual(key(4_999));
  expect(newest.at(-1)).toEqual(key(4_000));
  expect(order.has(key(3_999))).toBe(false);
  expect(order.has(key(4_000))).toBe(true);
});

test("late starts, removals in the middle and pages before a key", () => {
  const order = new StartOrder<StartKey>();
  for (const at of [10, 30, 20, 40, 5]) order.insert(key(at));
  order.remove(key(5));
  order.remove(key(30));
  order.checkInvariants();
  expect([...order.newestFirst()].map((item) => item.startedAtMs)).toEqual([40, 20, 10]);
  expect([...order.newestFirst(key(20))].map((item) => item.startedAtMs)).toEqual([10]);
  expect(() => order.remove(key(30))).toThrow("start key not indexed");
  order.insert(key(1));
  expect([...order.newestFirst()].map((item) => item.startedAtMs)).toEqual([40, 20, 10, 1]);
});

test("removals out of start order keep the order and the pages, past compaction", () => {
  const order = new StartOrder<StartKey>();
  const live = new Set<number>();
  for (let at = 0; at < 6_000; at++) {
    order.insert(key(at));
    live.add(at);
    // The workflows finish in another order than they started: drop one from the middle.
    if (at >= 1_000) {
      const gone = at - 1_000 + ((at * 37) % 500);
      if (live.delete(gone)) order.remove(key(gone));
    }
  }
  order.checkInvariants();
  const expected = [...live].sort((a, b) => b - a);
  expect(order.size).toBe(live.size);
  expect([...order.newestFirst()].map((item) => item.startedAtMs)).toEqual(expected);
  const cursor = expected[100] as number;
  expect([...order.newestFirst(key(cursor))].map((item) => item.startedAtMs)).toEqual(
    expected.slice(101),
  );
  const removed = expected[0] as number;
  order.remove(key(removed));
  expect(order.has(key(removed))).toBe(false);
  expect(() => order.remove(key(removed))).toThrow("start key not indexed");
  // A caller-chosen id may start again once its result was dropped.
  order.insert(key(removed));
  expect(order.has(key(removed))).toBe(true);
  expect(() => order.insert(key(removed))).toThrow("start key indexed twice");
  order.checkInvariants();
});

test("a late start that belongs before the oldest remaining item becomes the first", () => {
  const order = new StartOrder<StartKey>();
  for (let at = 10; at <= 20; at++) order.insert(key(at));
  order.remove(key(10));
  order.remove(key(11));
  order.insert(key(10.5));
  order.checkInvariants();
  expect([...order.newestFirst()].map((item) => item.startedAtMs).slice(-3)).toEqual([
    13, 12, 10.5,
  ]);
  order.remove(key(10.5));
  order.remove(key(12));
  order.checkInvariants();
  expect(order.size).toBe(8);
  expect([...order.newestFirst()].at(-1)).toEqual(key(13));
});
