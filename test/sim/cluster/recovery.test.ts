// Issue 18, item 4: a group that lost its majority for good (two of three nodes gone with
// their disks) comes back under the survivor through `recoverGroups`: the dry run changes
// nothing, the recovery restores service, and what the survivor's log held is kept. Until
// then a new start is refused at once, naming the group without a leader. The voters left
// behind are recorded as lost: restarted with their old storage, they are refused for good.

import { afterEach, expect, test } from "bun:test";
import { groupId, MANAGEMENT_GROUP, type RaftoralError } from "../../../src/lib/index.ts";
import type { WorkflowOutcome } from "../../../src/transport/index.ts";
import { ClusterSim, type SimNode } from "./cluster-sim.ts";

let sim: ClusterSim | undefined;
afterEach(async () => {
  await sim?.stopAll();
  sim = undefined;
});

const PING = { workflowType: "ping_pong", version: 1, input: "ping" };

/**
 * A new start through `node` fails at once, naming the group without a leader; under a
 * caller-chosen id too, whose claim the management group, as leaderless, cannot commit.
 */
async function expectStartRefusedAtOnce(current: ClusterSim, node: SimNode): Promise<void> {
  const askedAtMs = current.nowMs;
  const refused = await current.call(node, (api) => api.startWorkflow(PING)).catch((e) => e);
  expect((refused as RaftoralError).code).toBe("UNAVAILABLE");
  expect((refused as RaftoralError).message).toContain("Execution cluster 1 has had no leader");
  expect(current.nowMs - askedAtMs).toBeLessThan(1_000);
  const withIdAtMs = current.nowMs;
  const withId = await current
    .call(node, (api) => api.startWorkflow({ ...PING, workflowId: `order-${withIdAtMs}` }))
    .catch((e) => e);
  expect((withId as RaftoralError).code).toBe("UNAVAILABLE");
  expect((withId as RaftoralError).message).toContain("has had no leader");
  expect(current.nowMs - withIdAtMs).toBeLessThan(1_000);
}

/** A simulated cluster of three settled nodes; the last one will be the survivor. */
async function settledThree(seed: number) {
  const current = new ClusterSim(seed);
  sim = current;
  const [first, second, survivor] = await current.settleThree();
  return { current, first, second, survivor };
}

test("a survivor recovers the groups whose other voters are gone for good, and keeps their log", async () => {
  const { current, first, second, survivor } = await settledThree(31);
  const done: WorkflowOutcome = await current.call(survivor, (api) => api.runWorkflow(PING));
  expect(done).toEqual({ success: true, output: "pong" });
  const before = await current.call(survivor, (api) => api.startWorkflow(PING));

  for (const gone of [first, second]) {
    await current.crash(gone);
    current.world.wipe(gone.address);
  }
  await current.advance(8_000, 20);
  const health = await current.call(survivor, async (api) => api.health());
  expect(health).toMatchObject({ status: "unavailable" });
  expect(health.reason).toContain("no leader");
  await expectStartRefusedAtOnce(current, survivor);

  const dryRun = await current.call(survivor, (api) => api.recoverGroups({ dryRun: true }));
  expect(dryRun.groups.map((group) => [group.groupId, group.isRecovered])).toEqual([
    [0, false],
    [1, false],
  ] as never);
  expect(survivor.node?.raftHost()?.inspect(groupId(1))?.status().role).not.toBe("leader");

  const recovered = await current.call(survivor, (api) => api.recoverGroups({ dryRun: false }));
  expect(recovered.groups.map((group) => [group.groupId, group.isRecovered])).toEqual([
    [0, true],
    [1, true],
  ] as never);
  const group = recovered.groups[1];
  expect(group?.lastIndex).toBeGreaterThanOrEqual(group?.commitIndex ?? Number.POSITIVE_INFINITY);
  expect([...(group?.droppedVoters ?? [])].sort()).toEqual(
    [first.lastId, second.lastId].sort() as never,
  );

  // Service is back: the workflow started before the loss finishes, and new ones run.
  const kept = await current.call(survivor, (api) =>
    api.waitWorkflow({
      workflowId: before.workflowId,
      executionClusterId: before.executionClusterId,
      timeoutSeconds: 30,
    }),
  );
  expect(kept).toEqual({ success: true, output: "pong" });
  expect(await current.call(survivor, (api) => api.runWorkflow(PING))).toEqual(done);
  expect(await current.call(survivor, async (api) => api.health())).toMatchObject({
    status: "ok",
  });
  // The dead nodes are removed in time; the survivor is the cluster.
  await current.until(
    "the dead nodes are removed",
    () => survivor.node?.managementState().nodes.size === 1,
    60_000,
  );
  const status = await current.call(survivor, (api) => api.clusterStatus());
  expect(status.groups.map((entry) => entry.voters)).toEqual([[survivor.lastId]] as never);

  // A group that has a leader is never forced.
  const refusal = await current
    .call(survivor, (api) => api.recoverGroups({ groupIds: [groupId(1)], dryRun: false }))
    .then(
      () => undefined,
      (error: Error & { code?: string }) => error,
    );
  expect(refusal?.code).toBe("FAILED_PRECONDITION");
}, 300_000);

test("voters a forced recovery left behind, restarted with their old storage, are refused for good", async () => {
  const { current, first, second, survivor } = await settledThree(47);
  const lostIds = [first.lastId, second.lastId].sort();
  // Gone without their disks wiped: they could come back, but must not come back as they were.
  for (const gone of [first, second]) await current.crash(gone);
  await current.advance(8_000, 20);
  await current.call(survivor, (api) => api.recoverGroups({ dryRun: false }));
  expect([...(survivor.node?.managementState().lostNodes ?? [])].sort()).toEqual(lostIds as never);
  const status = await current.call(survivor, (api) => api.clusterStatus());
  expect(status.lostNodeIds).toEqual(lostIds as never);
  expect(status.nodes.map((node) => node.nodeId)).toEqual([survivor.lastId] as never);

  // Both together: a majority of their old configuration, they could elect each other.
  for (const gone of [first, second]) current.restart(gone);
  await current.until(
    "both restarts refused",
    () => first.node === undefined && second.node === undefined,
    120_000,
  );
  const refusals = current.lines.filter((line) => line.includes("SIM restart failed"));
  expect(refusals).toHaveLength(2);
  for (const line of refusals) expect(line).toContain("refused to take this node back");
  // The survivor serves on, alone.
  expect(await current.call(survivor, (api) => api.runWorkflow(PING))).toEqual({
    success: true,
    output: "pong",
  });
  expect(survivor.node?.managementState().nodes.size).toBe(1);
}, 300_000);

test("a survivor down while the voters it left behind restart together is not taken over by them", async () => {
  const { current, first, second, survivor } = await settledThree(53);
  for (const gone of [first, second]) await current.crash(gone);
  await current.advance(8_000, 20);
  await current.call(survivor, (api) => api.recoverGroups({ dryRun: false }));
  const lostIds = [first.lastId, second.lastId].sort();
  // Nobody who knows of the recovery answers their restart check: they elect each other.
  await current.crash(survivor);
  for (const gone of [first, second]) current.restart(gone);
  await current.advance(10_000, 20);
  current.restart(survivor);
  await current.advance(20_000, 20);
  const management = survivor.node?.raftHost()?.inspect(MANAGEMENT_GROUP)?.status();
  expect(management?.role).toBe("leader");
  expect([...(survivor.node?.managementState().lostNodes ?? [])].sort()).toEqual(lostIds as never);
  expect(await current.call(survivor, (api) => api.runWorkflow(PING))).toEqual({
    success: true,
    output: "pong",
  });
}, 300_000);
