// The node's call limits under a virtual clock: starts waiting their turn past the count, the
// queue's bound, the late starts that make an overloaded node refuse new ones at once, and the
// counts of waits and of describes and lists.

import { expect, test } from "bun:test";
import { type RaftoralError, VirtualClock } from "../lib/index.ts";
import {
  type CallKind,
  CallLimits,
  type CallLimitsOptions,
  STALE_START_MS,
  STALE_STARTS_MAX,
} from "./call-limits.ts";

function limitsOf(options: Partial<CallLimitsOptions> = {}) {
  const clock = new VirtualClock();
  const limits = new CallLimits({
    startsInFlightMax: 2_000,
    startsQueuedMax: 8_000,
    waitsMax: 2_000,
    readsMax: 64,
    clock,
    ...options,
  });
  return { clock, limits };
}

/** Starts `count` calls of `kind` that stay in progress until released; which have begun. */
function hold(limits: CallLimits, kind: CallKind, count: number, signal?: AbortSignal) {
  const releases: (() => void)[] = [];
  const begun: number[] = [];
  const calls = Array.from({ length: count }, (_, k) =>
    limits.run(
      kind,
      () =>
        new Promise<number>((resolve) => {
          begun.push(k);
          releases.push(() => resolve(k));
        }),
      signal,
    ),
  );
  return {
    begun,
    calls,
    /** Lets the first `count` begun calls finish. */
    release: async (count = releases.length) => {
      for (const release of releases.splice(0, count)) release();
      await flush();
    },
  };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

const refusalOf = (call: Promise<unknown>) =>
  call.then(
    () => undefined,
    (error: RaftoralError) => error,
  );

test("past the count, starts wait their turn and go in order of arrival", async () => {
  const { limits } = limitsOf({ startsInFlightMax: 2 });
  const first = hold(limits, "starts", 2);
  const waiting = hold(limits, "starts", 3);
  await flush();
  expect([first.begun, waiting.begun]).toEqual([[0, 1], []]);
  await first.release(1);
  expect(waiting.begun).toEqual([0]);
  await first.release();
  expect(waiting.begun).toEqual([0, 1]);
  // Each freed place goes to the next in line, never past the count.
  await waiting.release(1);
  expect(waiting.begun).toEqual([0, 1, 2]);
  await waiting.release();
  expect(await Promise.all(waiting.calls)).toEqual([0, 1, 2]);
});

test("past the queue, a start is refused at once, naming both limits", async () => {
  const { limits } = limitsOf({ startsInFlightMax: 3, startsQueuedMax: 1, waitsMax: 1 });
  const held = hold(limits, "starts", 4);
  const refusal = await refusalOf(limits.run("starts", async () => "started"));
  expect(refusal?.code).toBe("RESOURCE_EXHAUSTED");
  expect(refusal?.message).toContain(
    "already has 3 workflow starts in progress and 1 waiting their turn (the limits are 3 and 1)",
  );
  expect(await limits.run("waits", async () => "waited")).toBe("waited");
  await held.release();
  await held.release();
  expect(await limits.run("starts", async () => "started")).toBe("started");
});

test("a start that waits its turn too long is refused and never begun", async () => {
  const { clock, limits } = limitsOf({ startsInFlightMax: 1 });
  const held = hold(limits, "starts", 1);
  const waiting = hold(limits, "starts", 1);
  clock.advance(STALE_START_MS - 1);
  await flush();
  clock.advance(1);
  const refusal = await refusalOf(waiting.calls[0] as Promise<number>);
  expect(refusal?.code).toBe("RESOURCE_EXHAUSTED");
  expect(refusal?.message).toContain("waited 5 s for its turn and was not started");
  await held.release();
  expect(waiting.begun).toEqual([]);
  expect(await limits.run("starts", async () => "started")).toBe("started");
});

test("a caller that goes away leaves the queue, and its place in it is free", async () => {
  const { limits } = limitsOf({ startsInFlightMax: 1, startsQueuedMax: 1 });
  const held = hold(limits, "starts", 1);
  const caller = new AbortController();
  const gone = hold(limits, "starts", 1, caller.signal);
  caller.abort();
  expect((await refusalOf(gone.calls[0] as Promise<number>))?.code).toBe("TIMEOUT");
  const next = hold(limits, "starts", 1);
  await held.release();
  expect([gone.begun, next.begun]).toEqual([[], [0]]);
  await next.release();
});

test("many starts waiting longer than a caller would make new ones refused at once", async () => {
  const { clock, limits } = limitsOf();
  const late = hold(limits, "starts", STALE_STARTS_MAX);
  clock.advance(STALE_START_MS - 1);
  // Not late yet: a slow moment (a cluster still forming, an election) is waited out.
  const young = hold(limits, "starts", 1);
  clock.advance(1);
  const refusal = await refusalOf(limits.run("starts", async () => "started"));
  expect(refusal?.code).toBe("RESOURCE_EXHAUSTED");
  expect(refusal?.message).toContain(
    `this node is overloaded: ${STALE_STARTS_MAX} or more workflow starts have waited over 5 s`,
  );
  // Waits wait by design: they are not refused for it.
  expect(await limits.run("waits", async () => "waited")).toBe("waited");
  await late.release();
  expect(await limits.run("starts", async () => "started")).toBe("started");
  await young.release();
});

test("fewer late starts than the bound refuse nothing", async () => {
  const { clock, limits } = limitsOf();
  const late = hold(limits, "starts", STALE_STARTS_MAX - 1);
  clock.advance(60_000);
  expect(await limits.run("starts", async () => "started")).toBe("started");
  await late.release();
});

test("past their count, waits are refused at once", async () => {
  const { limits } = limitsOf({ waitsMax: 2 });
  const held = hold(limits, "waits", 2);
  const refusal = await refusalOf(limits.run("waits", async () => "waited"));
  expect(refusal?.message).toContain("already has 2 workflow waits in progress (the limit is 2)");
  await held.release();
  expect(await limits.run("waits", async () => "waited")).toBe("waited");
});

test("past their count, describes and lists are refused at once, and leave starts alone", async () => {
  const { limits } = limitsOf({ readsMax: 2, startsInFlightMax: 1 });
  const held = hold(limits, "reads", 2);
  const refusal = await refusalOf(limits.run("reads", async () => "read"));
  expect(refusal?.code).toBe("RESOURCE_EXHAUSTED");
  expect(refusal?.message).toContain(
    "already has 2 workflow describes and lists in progress (the limit is 2)",
  );
  expect(await limits.run("starts", async () => "started")).toBe("started");
  await held.release();
  expect(await limits.run("reads", async () => "read")).toBe("read");
});
