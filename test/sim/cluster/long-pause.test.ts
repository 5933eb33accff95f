// A node paused (SIGSTOP, a frozen VM) for longer than the failure timeout is removed by the
// others meanwhile. When it runs again it heard nobody for that long, whatever its replicas'
// count of ticks says, so it registers again at once, as a restarted node does, instead of
// waiting out another failure timeout before it notices.

import { afterEach, expect, test } from "bun:test";
import { ClusterSim, SIM_TUNING, type SimNode } from "./cluster-sim.ts";

let sim: ClusterSim | undefined;
afterEach(async () => {
  await sim?.stopAll();
  sim = undefined;
});

const FAILURE_TIMEOUT_MS = SIM_TUNING.failureTimeoutMs ?? 0;

/** Three settled nodes; the third is the one to pause. */
async function settledThree(seed: number) {
  const current = new ClusterSim(seed);
  sim = current;
  const [first, , paused] = await current.settleThree();
  const pausedId = paused.lastId;
  const isListed = () => first.node?.managementState().nodes.has(pausedId as never) === true;
  return { current, first, paused, isListed };
}

/** Pauses `paused` until the others removed it and a second more; when it ran again. */
async function pausePastRemoval(
  current: ClusterSim,
  paused: SimNode,
  isListed: () => boolean,
): Promise<number> {
  current.world.pause(paused.address);
  await current.until("the paused node is removed", () => !isListed(), 60_000);
  await current.advance(1_000, 20);
  current.world.resume(paused.address);
  return current.nowMs;
}

test("a node paused past the failure timeout registers again as soon as it runs", async () => {
  const { current, paused, isListed } = await settledThree(53);
  const resumedAtMs = await pausePastRemoval(current, paused, isListed);
  await current.until("the node is listed again", isListed, 60_000);
  expect(current.nowMs - resumedAtMs).toBeLessThan(FAILURE_TIMEOUT_MS / 2);
  await current.until("it serves again", () => current.isSettled(), 120_000);
  const health = await current.call(paused, async (api) => api.health());
  expect(health).toMatchObject({ status: "ok" });
}, 120_000);

/** `raftoral_workflows_started_total` of group 1 on `entry`. */
async function startedTotal(current: ClusterSim, entry: SimNode): Promise<number> {
  const metrics = await current.call(entry, async (api) => api.metrics());
  const line = metrics.match(/^raftoral_workflows_started_total\{group="1"\} (\d+)$/m);
  return Number(line?.[1] ?? 0);
}

test("a replica removed and added again counts its group's history once", async () => {
  const { current, first, paused, isListed } = await settledThree(54);
  const ping = { workflowType: "ping_pong", version: 1, input: "ping" };
  for (let k = 0; k < 4; k++) await current.call(first, (api) => api.runWorkflow(ping));
  await current.advance(500);
  const before = await startedTotal(current, paused);
  expect(before).toBe(4);

  await pausePastRemoval(current, paused, isListed);
  await current.until("it serves again", () => isListed() && current.isSettled(), 120_000);
  await current.call(first, (api) => api.runWorkflow(ping));
  await current.advance(500);
  // The replica added again applied the group's log from its start; it counts the new
  // workflow only (and, by the same test, logs the old ones at debug: workflow-log.ts).
  expect(await startedTotal(current, paused)).toBe(before + 1);
}, 120_000);
