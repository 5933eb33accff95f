// The node's call limits under a virtual clock: the count of calls in progress, and the late
// starts that make an overloaded node refuse new ones at once.

import { expect, test } from "bun:test";
import { type RaftoralError, VirtualClock } from "../lib/index.ts";
import { CallLimits, STALE_START_MS, STALE_STARTS_MAX } from "./call-limits.ts";

/** Starts `count` calls of `kind` that stay in progress until `settle` is called. */
function hold(limits: CallLimits, kind: "starts" | "waits", count: number) {
  const releases: (() => void)[] = [];
  const calls = Array.from({ length: count }, () =>
    limits.run(kind, () => new Promise<void>((resolve) => releases.push(resolve))),
  );
  return {
    settle: async () => {
      for (const release of releases) release();
      await Promise.all(calls);
    },
  };
}

const refusalOf = (call: Promise<unknown>) =>
  call.then(
    () => undefined,
    (error: RaftoralError) => error,
  );

test("past the count, a call of that kind is refused at once", async () => {
  const limits = new CallLimits({ startsInFlightMax: 3, waitsMax: 1, clock: new VirtualClock() });
  const held = hold(limits, "starts", 3);
  const refusal = await refusalOf(limits.run("starts", async () => "started"));
  expect(refusal?.code).toBe("RESOURCE_EXHAUSTED");
  expect(refusal?.message).toContain("already has 3 workflow starts in progress (the limit is 3)");
  expect(await limits.run("waits", async () => "waited")).toBe("waited");
  await held.settle();
  expect(await limits.run("starts", async () => "started")).toBe("started");
});

test("many starts waiting longer than a caller would make new ones refused at once", async () => {
  const clock = new VirtualClock();
  const limits = new CallLimits({ startsInFlightMax: 2_000, waitsMax: 2_000, clock });
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
  await late.settle();
  expect(await limits.run("starts", async () => "started")).toBe("started");
  await young.settle();
});

test("fewer late starts than the bound refuse nothing", async () => {
  const clock = new VirtualClock();
  const limits = new CallLimits({ startsInFlightMax: 2_000, waitsMax: 2_000, clock });
  const late = hold(limits, "starts", STALE_STARTS_MAX - 1);
  clock.advance(60_000);
  expect(await limits.run("starts", async () => "started")).toBe("started");
  await late.settle();
});
