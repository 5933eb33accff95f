// A node stopped gracefully (SIGTERM) hands over, before its groups' leadership, the workflows
// it owns in the groups it leads: the others take them up at once, where after a crash they
// wait for its silence to reach the owner failover threshold (1.5 s). A run through another
// node then finds no gap.

import { afterEach, expect, test } from "bun:test";
import { groupId, type NodeId } from "../../../src/lib/index.ts";
import { FAILOVER_ASSIGNMENTS_MAX } from "../../../src/workflow/index.ts";
import { ClusterSim, SIM_TUNING, type SimNode } from "./cluster-sim.ts";
import { SIM_WAITS } from "./sim-workflows.ts";

let sim: ClusterSim | undefined;
afterEach(async () => {
  await sim?.stopAll();
  sim = undefined;
});

const GROUP = groupId(1);
const OWNER_FAILOVER_MS = SIM_TUNING.ownerFailoverMs ?? 0;
const roleIn = (entry: SimNode) => entry.node?.raftHost()?.inspect(GROUP)?.status().role;

test("a node stopped gracefully hands its workflows over before it goes", async () => {
  const current = new ClusterSim(61, [SIM_WAITS]);
  sim = current;
  await current.settleThree();
  const leader = current.nodes.find((entry) => roleIn(entry) === "leader") as SimNode;
  const other = current.nodes.find((entry) => entry !== leader) as SimNode;
  // A 20 s durable sleep: owned by the leader, which owns new workflows, for the whole test.
  const started = await current.call(leader, (api) =>
    api.startWorkflow({ workflowType: "sim_waits", version: 1, input: { n: 400 } }),
  );
  const seenBy = (entry: SimNode) => current.call(entry, (api) => api.describeWorkflow(started));
  expect(await seenBy(other)).toMatchObject({
    status: "sleeping",
    ownerNodeId: leader.lastId as NodeId,
  });

  const stoppedAtMs = current.nowMs;
  // A start that reaches the group while its leader stops is named that leader's too.
  let late: { workflowId: string; executionClusterId: typeof GROUP } | undefined;
  await current.stopGracefully(leader, async () => {
    late = await current.call(other, (api) =>
      api.startWorkflow({ workflowType: "sim_waits", version: 1, input: { n: 400 } }),
    );
  });
  const stopMs = current.nowMs - stoppedAtMs;
  for (const workflow of [started, late]) {
    if (workflow === undefined) throw new Error("the start during the stop gave nothing");
    const after = await current.call(other, (api) => api.describeWorkflow(workflow));
    expect(after.status).toBe("sleeping");
    expect(after.ownerNodeId).not.toBe(leader.lastId as NodeId);
  }
  // Handed over within the stop, well before a silence could have been noticed.
  expect(stopMs).toBeLessThan(OWNER_FAILOVER_MS);
}, 120_000);

test("a node stopped gracefully hands over more workflows than one failover round takes", async () => {
  const current = new ClusterSim(62, [SIM_WAITS]);
  sim = current;
  await current.settleThree();
  const leader = current.nodes.find((entry) => roleIn(entry) === "leader") as SimNode;
  const other = current.nodes.find((entry) => entry !== leader) as SimNode;
  // Durable sleeps of 200 s, all owned by the leader: more than one round reassigns.
  const count = FAILOVER_ASSIGNMENTS_MAX + 100;
  const ids = await current.call(leader, async (api) => {
    const started: string[] = [];
    for (let first = 0; first < count; first += 100) {
      const batch = Array.from({ length: Math.min(100, count - first) }, () =>
        api.startWorkflow({ workflowType: "sim_waits", version: 1, input: { n: 4_000 } }),
      );
      for (const result of await Promise.all(batch)) started.push(result.workflowId);
    }
    return started;
  });

  const stoppedAtMs = current.nowMs;
  await current.stopGracefully(leader);
  // Read at once from a replica, before any owner failover could run (1.5 s of silence).
  expect(current.nowMs - stoppedAtMs).toBeLessThan(OWNER_FAILOVER_MS);
  const records = [...(other.node?.workflowState(GROUP)?.executions() ?? [])];
  const owners = records.filter((record) => ids.includes(record.workflowId));
  expect(owners.length).toBe(count);
  const kept = owners.filter((record) => record.owner === (leader.lastId as NodeId));
  expect(kept.length).toBe(0);
}, 300_000);

test("a node that left stops at once: its workflows have other owners already", async () => {
  const current = new ClusterSim(63, [SIM_WAITS]);
  sim = current;
  await current.settleThree();
  const leaver = current.nodes.find((entry) => roleIn(entry) === "leader") as SimNode;
  // It owns a workflow when it leaves (new workflows go to the group's leader).
  await current.call(leaver, (api) =>
    api.startWorkflow({ workflowType: "sim_waits", version: 1, input: { n: 400 } }),
  );
  const stoppedAtMs = stopTimeOf(current, leaver);
  const leaveAtMs = current.nowMs;
  expect(await current.leave(leaver)).toBe(true);
  await current.until("the node that left stopped", () => stoppedAtMs() !== undefined, 30_000);
  // Before, it asked for a read in groups that had removed it, waited the hand-over's 2 s
  // for nothing and said it did not finish (2.7 s from the leave to the stop, now 0.7 s).
  expect((stoppedAtMs() ?? 0) - leaveAtMs).toBeLessThan(1_500);
  expect(handOverWarnings(current, leaver)).toEqual([]);
}, 300_000);

test("a node that left stops at once, even where its replica never learned of its removal", async () => {
  // Its group's leader stops sending to it once the change that removes it is out: its replica
  // still counted it a member, and a read there waited out the hand-over's 2 s for nothing.
  const current = new ClusterSim(64, [SIM_WAITS]);
  sim = current;
  await current.settleThree();
  const leaver = current.nodes.find((entry) => roleIn(entry) !== "leader") as SimNode;
  const { network } = current.world;
  network.faults = {
    ...network.faults,
    isMessageLost: (_from, to, message) =>
      to === leaver.address && message.type === "raft" && message.groupId === GROUP,
  };
  const node = leaver.node;
  const stoppedAtMs = stopTimeOf(current, leaver);
  expect(await current.leave(leaver)).toBe(true);
  const leftAtMs = current.nowMs;
  expect(node?.raftHost()?.inspect(GROUP)?.status().confState.voters).toContain(
    leaver.lastId as NodeId,
  );
  await current.until("the node that left stopped", () => stoppedAtMs() !== undefined, 30_000);
  expect((stoppedAtMs() ?? 0) - leftAtMs).toBeLessThan(1_500);
  expect(handOverWarnings(current, leaver)).toEqual([]);
}, 300_000);

/** When the node now running at `entry` stops, in simulated ms; undefined until it does. */
function stopTimeOf(current: ClusterSim, entry: SimNode): () => number | undefined {
  let stoppedAtMs: number | undefined;
  void entry.node?.stopped.then(() => {
    stoppedAtMs = current.nowMs;
  });
  return () => stoppedAtMs;
}

/** The lines in which `entry` said its hand-over did not finish. */
function handOverWarnings(current: ClusterSim, entry: SimNode): string[] {
  return current.lines.filter(
    (line) => line.includes(entry.address) && line.includes("did not finish"),
  );
}
