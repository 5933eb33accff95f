import { expect, test } from "bun:test";
import { BatchedProposals } from "./batched-proposals.ts";

/** A batch whose proposals are recorded, and whose timer runs only when the test says. */
function batched(refused: ReadonlySet<number> = new Set()) {
  const proposed: number[] = [];
  const timers: (() => void)[] = [];
  const batch = new BatchedProposals(
    async (command) => {
      const value = command[0] ?? 0;
      proposed.push(value);
      if (refused.has(value)) throw new Error(`command ${value} refused`);
      return value * 10;
    },
    (run) => timers.push(run),
  );
  return { batch, proposed, timers };
}

test("commands added before the timer fires are proposed together, in order, once it fires", async () => {
  const { batch, proposed, timers } = batched();
  const answers = [1, 2, 3].map((value) => batch.add(Uint8Array.of(value)));
  expect(timers).toHaveLength(1);
  expect(proposed).toEqual([]);
  timers[0]?.();
  expect(proposed).toEqual([1, 2, 3]);
  expect(await Promise.all(answers)).toEqual([10, 20, 30]);
});

test("each command settles as its own proposal does, and a later command starts a new batch", async () => {
  const { batch, proposed, timers } = batched(new Set([2]));
  const one = batch.add(Uint8Array.of(1));
  const two = batch.add(Uint8Array.of(2));
  timers[0]?.();
  expect(await one).toBe(10);
  await expect(two).rejects.toThrow("command 2 refused");
  const four = batch.add(Uint8Array.of(4));
  expect(timers).toHaveLength(2);
  expect(proposed).toEqual([1, 2]);
  timers[1]?.();
  expect(await four).toBe(40);
  expect(proposed).toEqual([1, 2, 4]);
});
