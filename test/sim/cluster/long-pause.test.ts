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

test("a node paused past the failure timeout registers again as soon as it runs", async () => {
  const current = new ClusterSim(53);
  sim = current;
  await current.add();
  await current.add(2);
  await current.until("3 nodes settled", () => current.isSettled(), 120_000);
  const [first, , paused] = current.nodes as [SimNode, SimNode, SimNode];
  const pausedId = paused.lastId;
  const isListed = () => first.node?.managementState().nodes.has(pausedId as never) === true;

  current.world.pause(paused.address);
  await current.until("the paused node is removed", () => !isListed(), 60_000);
  await current.advance(1_000, 20);
  current.world.resume(paused.address);
  const resumedAtMs = current.nowMs;
  await current.until("the node is listed again", isListed, 60_000);
  expect(current.nowMs - resumedAtMs).toBeLessThan(FAILURE_TIMEOUT_MS / 2);
  await current.until("it serves again", () => current.isSettled(), 120_000);
  const health = await current.call(paused, async (api) => api.health());
  expect(health).toMatchObject({ status: "ok" });
}, 120_000);
