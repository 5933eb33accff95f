// The slots the HTTP client's waits and runs take, so that they never hold every request
// fetch sends at once: handed out up to the limit, then first come first served, and a caller
// that gives up leaves the queue as it found it.

import { expect, test } from "bun:test";
import { CallSlots, FETCH_LONG_CALL_SLOTS, inLongCallSlot } from "./long-call-slots.ts";

const open = () => new AbortController().signal;

test("slots go out up to the limit, then in the order they were asked for", async () => {
  const slots = new CallSlots(2);
  const first = await slots.take(open());
  await slots.take(open());
  const granted: string[] = [];
  const third = slots.take(open()).then((release) => {
    granted.push("third");
    return release;
  });
  const fourth = slots.take(open()).then(() => granted.push("fourth"));
  expect(slots.waiting).toBe(2);
  first();
  first(); // a second call frees nothing more
  (await third)();
  await fourth;
  expect(granted).toEqual(["third", "fourth"]);
  expect(slots.waiting).toBe(0);
});

test("a caller that gives up while waiting leaves the queue, and the next one is served", async () => {
  const slots = new CallSlots(1);
  const release = await slots.take(open());
  const giveUp = new AbortController();
  const abandoned = slots.take(giveUp.signal);
  const next = slots.take(open());
  giveUp.abort(new Error("no longer wanted"));
  await expect(abandoned).rejects.toThrow("no longer wanted");
  expect(slots.waiting).toBe(1);
  release();
  await next;
  expect(slots.waiting).toBe(0);
});

test("under Bun, waits and runs take three quarters of the 256 requests fetch sends at once", () => {
  expect(FETCH_LONG_CALL_SLOTS.max).toBe(192);
});

test("a call queued for its slot keeps its time when the wall clock steps meanwhile", async () => {
  const slots = new CallSlots(1);
  const release = await slots.take(open());
  let passedMs = 0;
  const queued = inLongCallSlot(
    slots,
    { timeoutMs: 30_000 },
    () => "not sent",
    async (options) => {
      passedMs = options.timeoutMs;
    },
  );
  const realNow = Date.now;
  Date.now = () => realNow() + 3_600_000; // an NTP step of an hour while it waits
  try {
    release();
    await queued;
  } finally {
    Date.now = realNow;
  }
  expect(passedMs).toBeGreaterThan(29_000);
  expect(passedMs).toBeLessThanOrEqual(30_000);
});
