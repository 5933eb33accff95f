// FifoMap must answer exactly as a Map would, whatever mix of operations, including past the
// compaction of its queue: the execution table's retention order (replicated state) uses it.

import { expect, test } from "bun:test";
import { FifoMap } from "./fifo-map.ts";
import { seededRandom } from "./random.ts";

function expectSame(fifo: FifoMap<number, string>, map: Map<number, string>): void {
  expect([...fifo]).toEqual([...map]);
  expect(fifo.size).toBe(map.size);
  expect(fifo.first()).toEqual([...map].at(0));
}

test("a random mix of operations leaves it as a Map would be", () => {
  const random = seededRandom(7);
  const fifo = new FifoMap<number, string>();
  const map = new Map<number, string>();
  let next = 0;
  for (let step = 0; step < 20_000; step++) {
    const roll = random.int(0, 100);
    const keys = [...map.keys()];
    if (roll < 45 || keys.length === 0) {
      fifo.set(next, `v${next}`);
      map.set(next, `v${next}`);
      next++;
    } else if (roll < 80) {
      // The retention queue's own use: drop the oldest.
      const oldest = keys[0] as number;
      expect(fifo.delete(oldest)).toBe(true);
      map.delete(oldest);
    } else if (roll < 90) {
      const key = keys[random.int(0, keys.length)] as number;
      expect(fifo.delete(key)).toBe(map.delete(key));
    } else {
      // A known key keeps its place and takes the new value.
      const key = keys[random.int(0, keys.length)] as number;
      fifo.set(key, `again ${step}`);
      map.set(key, `again ${step}`);
    }
    if (step % 97 === 0) expectSame(fifo, map);
    const probe = random.int(0, next + 1);
    expect(fifo.get(probe)).toBe(map.get(probe));
    expect(fifo.has(probe)).toBe(map.has(probe));
  }
  expectSame(fifo, map);
  expect(fifo.delete(-1)).toBe(false);
  fifo.clear();
  map.clear();
  expectSame(fifo, map);
  fifo.set(1, "after clear");
  expect(fifo.first()).toEqual([1, "after clear"]);
});

test("a key deleted and set again goes last", () => {
  const fifo = new FifoMap<string, number>();
  for (const key of ["a", "b", "c"]) fifo.set(key, 1);
  fifo.delete("a");
  fifo.set("a", 2);
  expect([...fifo.keys()]).toEqual(["b", "c", "a"]);
  expect(fifo.first()).toEqual(["b", 1]);
});
