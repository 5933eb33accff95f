import { describe, expect, test } from "bun:test";
import { AsyncQueue } from "./async-queue.ts";

async function collect<T>(queue: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of queue) items.push(item);
  return items;
}

describe("AsyncQueue", () => {
  test("yields items pushed before and after the consumer waits, then ends", async () => {
    const queue = new AsyncQueue<number>();
    queue.push(1);
    const items = collect(queue);
    queue.push(2);
    queue.end();
    queue.push(3); // after end: dropped
    expect(await items).toEqual([1, 2]);
  });

  test("a failure reaches the consumer after the queued items", async () => {
    const queue = new AsyncQueue<number>();
    queue.push(1);
    queue.fail(new Error("boom"));
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const item of queue) seen.push(item);
      })(),
    ).rejects.toThrow("boom");
    expect(seen).toEqual([1]);
  });

  test("tells the producer when an item is taken and when the consumer stops early", async () => {
    let taken = 0;
    let returned = 0;
    const queue = new AsyncQueue<number>({
      onTake: () => taken++,
      onReturn: () => returned++,
    });
    queue.push(1);
    queue.push(2);
    for await (const item of queue) {
      expect(item).toBe(1);
      break;
    }
    expect([taken, returned, queue.size]).toEqual([1, 1, 0]);
  });
});
