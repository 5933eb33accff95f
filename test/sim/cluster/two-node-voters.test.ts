// A cluster down to two nodes keeps one voter per group and the other node as a learner, so
// that it survives the learner's loss (docs/availability.md, "The two-node trade-off"). That
// holds only if every group's voter is the same node. Each group's leader used to keep its own
// vote when its group shrank, so a management group led by one node and an execution group
// led by the other ended with their voters apart, and the loss of either node stopped one of
// them: starts under an id (which claim it in the management group) or every start.

import { afterEach, expect, test } from "bun:test";
import { groupId, MANAGEMENT_GROUP, type NodeId } from "../../../src/lib/index.ts";
import { ClusterSim, type SimNode } from "./cluster-sim.ts";

let sim: ClusterSim | undefined;
afterEach(async () => {
  await sim?.stopAll();
  sim = undefined;
});

const EXECUTION = groupId(1);

function statusOf(entry: SimNode, group: typeof MANAGEMENT_GROUP) {
  return entry.node?.raftHost()?.inspect(group)?.status();
}

function leaderOf(current: ClusterSim, group: typeof MANAGEMENT_GROUP): SimNode | undefined {
  return current.live().find((entry) => statusOf(entry, group)?.role === "leader");
}

/** Three nodes whose management group and execution group are led by different nodes. */
async function leadersApart(seed: number) {
  const current = new ClusterSim(seed);
  sim = current;
  await current.settleThree();
  const manager = leaderOf(current, MANAGEMENT_GROUP) as SimNode;
  const executor = current.live().find((entry) => entry !== manager) as SimNode;
  const third = current.live().find((entry) => entry !== manager && entry !== executor) as SimNode;
  const transfer = () =>
    leaderOf(current, EXECUTION)
      ?.node?.raftHost()
      ?.transferLeadership(EXECUTION, executor.lastId as NodeId);
  await current.until(
    "the execution group led by another node than the management group",
    () => {
      if (leaderOf(current, EXECUTION) !== executor) transfer();
      return (
        leaderOf(current, EXECUTION) === executor && leaderOf(current, MANAGEMENT_GROUP) === manager
      );
    },
    30_000,
  );
  return { current, manager, executor, third };
}

test("a group down to two members takes the management group's voter as its own", async () => {
  const { current, manager, executor, third } = await leadersApart(61);
  expect(await current.leave(third)).toBe(true);
  const votersOf = (group: typeof MANAGEMENT_GROUP) => statusOf(manager, group)?.confState.voters;
  await current.until(
    "both groups down to the management leader's vote",
    () =>
      current.isSettled() &&
      votersOf(MANAGEMENT_GROUP)?.length === 1 &&
      JSON.stringify(votersOf(EXECUTION)) === JSON.stringify(votersOf(MANAGEMENT_GROUP)),
    120_000,
  );
  expect(votersOf(EXECUTION)).toEqual([manager.lastId as NodeId]);

  // The learner of both groups goes: both keep their leader, and a start under an id (a claim
  // in the management group, the workflow in the execution group) still runs.
  await current.crash(executor);
  await current.advance(3_000);
  const run = { workflowType: "ping_pong", version: 1, input: "ping", workflowId: "after-loss" };
  const outcome = await current.call(manager, (api) => api.runWorkflow(run));
  expect(outcome).toEqual({ success: true, output: "pong" });
}, 300_000);
