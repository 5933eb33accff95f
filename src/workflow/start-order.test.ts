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
