// raftoral_host_turn_seconds times each turn of the host's loop whole: what every group on the
// node waits for. A turn that applies slow commands counts their time.

import { expect, test } from "bun:test";
import { groupId, MetricsRegistry } from "../../src/lib/index.ts";
import { loneHostWithGroup, settle } from "../support/host-cluster.ts";
import { KvStateMachine, kvCommand } from "../support/kv-state-machine.ts";

const G1 = groupId(1);
const APPLY_MS = 30;

/** A state machine whose puts keep the thread for APPLY_MS, as a heavy command would. */
class SlowMachine extends KvStateMachine {
  override apply(command: Uint8Array): unknown {
    const until = performance.now() + APPLY_MS;
    while (performance.now() < until) {
      // Busy, as the application would be.
    }
    return super.apply(command);
  }
}

/** The value of a line of the registry's text that starts with `prefix`. */
function sampleValue(text: string, prefix: string): number {
  return Number(
    text
      .split("\n")
      .find((line) => line.startsWith(prefix))
      ?.split(" ")
      .at(-1),
  );
}

test("a turn's time counts the applies in it", async () => {
  const metrics = new MetricsRegistry();
  const { host, step } = await loneHostWithGroup(new SlowMachine(), { metrics });
  const before = metrics.render();
  const proposed = settle(host.propose(G1, kvCommand({ op: "put", key: "k", value: "v" })));
  while (!proposed.done) await step();
  expect(proposed.error).toBeUndefined();

  const after = metrics.render();
  const count = (text: string) => sampleValue(text, "raftoral_host_turn_seconds_count");
  const quick = (text: string) =>
    sampleValue(text, 'raftoral_host_turn_seconds_bucket{le="0.025"}');
  expect(count(after)).toBeGreaterThan(count(before));
  // Exactly one turn applied the put, and it took longer than the apply.
  expect(count(after) - quick(after)).toBe(1 + count(before) - quick(before));
  expect(sampleValue(after, "raftoral_host_turn_seconds_sum")).toBeGreaterThan(APPLY_MS / 1_000);
  host.stop();
});
