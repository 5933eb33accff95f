// A replica far behind its execution cluster (here: its disk turned slow while the others
// committed on) cannot answer from its own state without waiting until it has caught up. Its
// node says so in its health and refuses calls into that cluster at once with UNAVAILABLE, so
// that callers try another node instead of waiting out their deadline; once it has caught up,
// it serves again. A node restarted far behind is not ready until it has caught up.

import { afterEach, expect, test } from "bun:test";
import { groupId, type RaftoralError } from "../../../src/lib/index.ts";
import type { NodeApi } from "../../../src/transport/index.ts";
import { ClusterSim, SIM_TUNING, type SimNode } from "./cluster-sim.ts";

let sim: ClusterSim | undefined;
afterEach(async () => {
  await sim?.stopAll();
  sim = undefined;
});

const PING = { workflowType: "ping_pong", version: 1, input: "ping" };
const GROUP = groupId(1);
/** Small, so that a few workflows put a replica past it. */
const CATCHING_UP_ENTRIES = 20;

const roleIn = (entry: SimNode) => entry.node?.raftHost()?.inspect(GROUP)?.status().role;
const unapplied = (entry: SimNode) =>
  entry.node?.raftHost()?.inspect(GROUP)?.unappliedCommits() ?? 0;

/** The call through `node` fails at once with UNAVAILABLE, saying the node is catching up. */
async function expectRefusedAtOnce(
  current: ClusterSim,
  node: SimNode,
  call: (api: NodeApi) => Promise<unknown>,
): Promise<void> {
  const askedAtMs = current.nowMs;
  const refused = await current.call(node, call).catch((error: unknown) => error);
  expect((refused as RaftoralError).code).toBe("UNAVAILABLE");
  expect((refused as RaftoralError).message).toContain(
    "This node is catching up on execution cluster 1",
  );
  expect((refused as RaftoralError).message).toContain("call another node");
  expect(current.nowMs - askedAtMs).toBeLessThan(500);
}

/** Three settled nodes with a low catching-up threshold; `slow` follows group 1's `leader`. */
async function settledThree(seed: number) {
  const current = new ClusterSim(seed, [], {
    ...SIM_TUNING,
    catchingUpEntries: CATCHING_UP_ENTRIES,
  });
  sim = current;
  await current.settleThree();
  const slow = current.nodes.find((entry) => roleIn(entry) === "follower") as SimNode;
  const leader = current.nodes.find((entry) => roleIn(entry) === "leader") as SimNode;
  return { current, slow, leader };
}

test("a replica far behind its execution cluster refuses its calls at once until it caught up", async () => {
  const { current, slow, leader } = await settledThree(43);
  const done = await current.call(slow, (api) => api.runWorkflow(PING));
  expect(done).toEqual({ success: true, output: "pong" });

  // The follower's disk turns slow; the leader and the other follower commit without it.
  current.world.slowDisk(slow.address, 1_500);
  for (let k = 0; k < 12; k++) {
    expect(await current.call(leader, (api) => api.runWorkflow(PING))).toEqual(done);
  }
  await current.until(
    "the slow follower hears of commits it has not applied",
    () => unapplied(slow) > CATCHING_UP_ENTRIES,
    30_000,
  );
  const health = await current.call(slow, async (api) => api.health());
  expect(health).toMatchObject({ status: "unavailable" });
  expect(health.reason).toContain("This node is catching up on execution cluster 1");
  const details = await current.call(slow, async (api) => api.healthDetails());
  const group = details.groups.find((detail) => detail.groupId === GROUP);
  expect(group?.unappliedEntries).toBeGreaterThan(CATCHING_UP_ENTRIES);
  const metrics = await current.call(slow, async (api) => api.metrics());
  const gauge = metrics.match(/^raftoral_raft_unapplied_entries\{group="1"\} (\d+)$/m);
  expect(Number(gauge?.[1])).toBeGreaterThan(CATCHING_UP_ENTRIES);
  const later = await current.call(leader, (api) => api.startWorkflow(PING));
  await expectRefusedAtOnce(current, slow, (api) => api.startWorkflow(PING));
  await expectRefusedAtOnce(current, slow, (api) =>
    api.waitWorkflow({ ...later, timeoutSeconds: 30 }),
  );
  await expectRefusedAtOnce(current, slow, (api) =>
    api.signalWorkflow({ ...later, name: "go", payload: null }),
  );
  await expectRefusedAtOnce(current, slow, (api) => api.describeWorkflow(later));

  // Its disk is fast again: it catches up and serves.
  current.world.slowDisk(slow.address, 0);
  await current.until(
    "the follower caught up",
    () => unapplied(slow) <= CATCHING_UP_ENTRIES,
    30_000,
  );
  expect(await current.call(slow, async (api) => api.health())).toMatchObject({ status: "ok" });
  const outcome = await current.call(slow, (api) =>
    api.waitWorkflow({ ...later, timeoutSeconds: 30 }),
  );
  expect(outcome).toEqual({ success: true, output: "pong" });
  expect(await current.call(slow, (api) => api.runWorkflow(PING))).toEqual({
    success: true,
    output: "pong",
  });
}, 120_000);

test("a node restarted far behind is ready only once it has caught up", async () => {
  const { current, slow, leader } = await settledThree(47);
  await current.crash(slow);
  for (let k = 0; k < 12; k++) {
    expect(await current.call(leader, (api) => api.runWorkflow(PING))).toMatchObject({
      success: true,
    });
  }

  // Back with a slow disk: its leader's first append tells it how far behind it is, and it
  // takes a while to write what it lacks.
  current.world.slowDisk(slow.address, 300);
  const restarted = current.restart(slow);
  await current.until("the restarted node is ready", () => restarted.isReady(), 120_000);
  const raft = slow.node?.raftHost()?.inspect(GROUP);
  expect(raft?.hasHeardGroupCommit()).toBe(true);
  expect(unapplied(slow)).toBeLessThanOrEqual(CATCHING_UP_ENTRIES);
  for (let k = 0; k < 20; k++) {
    expect(await current.call(slow, async (api) => api.health())).toMatchObject({ status: "ok" });
    await current.advance(100, 20);
  }
}, 120_000);
