// raftoral_host_turn_seconds times each turn of the host's loop whole: what every group on the
// node waits for. A turn that applies slow commands counts their time.

import { expect, test } from "bun:test";
import { groupId, MetricsRegistry } from "../../src/lib/index.ts";
import { loneHostWithGroup, settle } from "../support/host-cluster.ts";
import { KvStateMachine, kvCommand } from "../support/kv-state-machine.ts";
import { familyOf, parseMetrics } from "../support/prometheus-text.ts";

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

/** The histogram's turns, those that took longer than 25 ms, and their total seconds. */
function turns(metrics: MetricsRegistry) {
  const [series] = familyOf(parseMetrics(metrics.render()), "raftoral_host_turn_seconds").metrics;
  const count = Number(series?.count);
  return { count, over25Ms: count - Number(series?.buckets?.["0.025"]), sum: Number(series?.sum) };
}

test("a turn's time counts the applies in it", async () => {
  const metrics = new MetricsRegistry();
  const { host, step } = await loneHostWithGroup(new SlowMachine(), { metrics });
  const before = turns(metrics);
  const proposed = settle(host.propose(G1, kvCommand({ op: "put", key: "k", value: "v" })));
  while (!proposed.done) await step();
  expect(proposed.error).toBeUndefined();

  const after = turns(metrics);
  expect(after.count).toBeGreaterThan(before.count);
  // Exactly one turn applied the put, and it took longer than the apply.
  expect(after.over25Ms).toBe(before.over25Ms + 1);
  expect(after.sum).toBeGreaterThan(APPLY_MS / 1_000);
  host.stop();
});
