// The host's loop turns whenever it has work, or the host stops (loop-watch.ts). A wake-up the
// runtime lost leaves a node that hears and sends nothing while its process runs on; the tick
// turns the loop then. A turn whose write never settles cannot be saved: the host stops, and
// the node with it, rather than hang.

import { expect, test } from "bun:test";
import { createLogger, groupId, type RaftoralError, VirtualClock } from "../../src/lib/index.ts";
import { LoopWatch } from "../../src/multiraft/loop-watch.ts";
import type { GroupWrite } from "../../src/storage/index.ts";
import { MemoryLogStorage } from "../../src/storage/index.ts";
import { loneHostWithGroup, settle } from "../support/host-cluster.ts";
import { KvStateMachine, kvCommand } from "../support/kv-state-machine.ts";

const G1 = groupId(1);
const PUT = kvCommand({ op: "put", key: "k", value: "v" });
/** Past the watch's threshold: the proposal waits out the stuck loop. */
const PATIENT = { timeoutMs: 30_000 };

/** A virtual clock that drops the next `dropping` callbacks given to runSoon, or refuses them. */
class LossyClock extends VirtualClock {
  dropping = 0;
  refusing = 0;

  override runSoon(callback: () => void): void {
    if (this.refusing > 0) {
      this.refusing--;
      throw new Error("setImmediate is refused here");
    }
    if (this.dropping > 0) this.dropping--;
    else super.runSoon(callback);
  }
}

/** Memory storage whose writes, once `hangs`, never settle. */
class HangingStorage extends MemoryLogStorage {
  hangs = false;

  override write(batch: readonly GroupWrite[]): Promise<void> {
    if (this.hangs) return new Promise(() => undefined);
    return super.write(batch);
  }
}

test("a lost wake-up: the tick turns the loop, says so at ERROR, and the proposal commits", async () => {
  const clock = new LossyClock();
  const lines: string[] = [];
  const logger = createLogger({ level: "error", format: "text", write: (l) => lines.push(l) });
  const { host, step } = await loneHostWithGroup(new KvStateMachine(), { clock, logger });
  clock.dropping = 1;
  const proposed = settle(host.propose(G1, PUT, PATIENT));
  const began = clock.nowMs();
  while (!proposed.done && clock.nowMs() - began < 10_000) await step();
  expect(proposed.error).toBeUndefined();
  expect(proposed.done).toBe(true);
  // Not before the watch's threshold: every tick until then found a turn scheduled already.
  expect(clock.nowMs() - began).toBeGreaterThan(5_000);
  expect(lines.join("")).toContain("The Raft loop hit a bug: woken, it did not turn");
});

test("a wake-up refused where it was asked for leaves the loop free to turn at once after", async () => {
  const clock = new LossyClock();
  const { host, step } = await loneHostWithGroup(new KvStateMachine(), { clock });
  clock.refusing = 1;
  expect(() => host.propose(G1, PUT, PATIENT)).toThrow("setImmediate is refused here");
  const proposed = settle(host.propose(G1, PUT, PATIENT));
  const began = clock.nowMs();
  while (!proposed.done) await step();
  expect(proposed.error).toBeUndefined();
  // Before, the first call left the loop marked as woken: this one waited for the watch.
  expect(clock.nowMs() - began).toBeLessThan(1_000);
});

test("a turn whose write never settles stops the host with INTERNAL", async () => {
  const storage = new HangingStorage();
  const fatal: Error[] = [];
  const { host, clock, step } = await loneHostWithGroup(new KvStateMachine(), {
    storage,
    onFatal: (error) => fatal.push(error),
  });
  storage.hangs = true;
  const proposed = settle(host.propose(G1, PUT, PATIENT));
  const began = clock.nowMs();
  while (fatal.length === 0 && clock.nowMs() - began < 10_000) await step();
  expect((fatal[0] as RaftoralError | undefined)?.code).toBe("INTERNAL");
  expect(fatal[0]?.message).toMatch(/a Raft loop turn waited \d+ ms on its write/);
  expect(clock.nowMs() - began).toBeGreaterThan(5_000);
  // Its entry may have left for the peers before the write: the caller cannot know the outcome.
  while (!proposed.done) await step();
  expect((proposed.error as RaftoralError | undefined)?.code).toBe("TIMEOUT");
});

test("a process that did not run (a pause) counts from its return, not from the wake-up", () => {
  const clock = new VirtualClock();
  const watch = new LoopWatch(clock, 5_000);
  watch.woken();
  // The process stood still for 8 s: no look in between, as no timer fired.
  clock.advance(8_000);
  expect(watch.look()).toBeUndefined();
  for (let ms = 0; ms < 5_000; ms += 100) {
    clock.advance(100);
    expect(watch.look()).toBeUndefined();
  }
  clock.advance(100);
  expect(watch.look()).toMatchObject({ kind: "wake-lost" });
  watch.turnBegan();
  expect(watch.look()).toBeUndefined();
});
