// A group that falls below 3 members with no donor is drained and destroyed. The results of
// its finished workflows must outlive it: they move to another group first, and a wait that
// names the old group is answered from there, whichever node is asked.

import { afterEach, expect, test } from "bun:test";
import type { GroupId } from "../../../src/lib/index.ts";
import { resultsHolder } from "../../../src/management/index.ts";
import { ClusterSim } from "./cluster-sim.ts";

const CALL = { timeoutMs: 30_000 };

let sim: ClusterSim | undefined;
afterEach(async () => {
  await sim?.stopAll();
  sim = undefined;
});

/** Lets virtual time run until `call` settles. */
async function drive<T>(current: ClusterSim, call: Promise<T>): Promise<T> {
  let outcome: { value: T } | { error: unknown } | undefined;
  call.then(
    (value) => {
      outcome = { value };
    },
    (error: unknown) => {
      outcome = { error };
    },
  );
  await current.until("the call settles", () => outcome !== undefined, 60_000);
  if (outcome === undefined || "error" in outcome) throw (outcome as { error: unknown }).error;
  return outcome.value;
}

interface Started {
  readonly workflowId: string;
  readonly group: GroupId;
}

function client(current: ClusterSim, address: string) {
  return current.world.environment("client:1").client("grpc", address);
}

/** Three ping_pong workflows in each group, started through the first node. */
async function startIn(current: ClusterSim, groups: readonly GroupId[]): Promise<Started[]> {
  const started: Started[] = [];
  for (const group of groups) {
    for (let k = 0; k < 3; k++) {
      const request = {
        workflowType: "ping_pong",
        version: 1,
        input: "ping",
        executionClusterId: group,
      };
      const address = current.nodes[0]?.address ?? "";
      const result = await drive(current, client(current, address).startWorkflow(request, CALL));
      started.push({ workflowId: result.workflowId, group });
    }
  }
  return started;
}

/** Waits on each workflow through `address`, naming the group it was started in. */
async function expectPong(current: ClusterSim, address: string, started: readonly Started[]) {
  for (const workflow of started) {
    const request = {
      workflowId: workflow.workflowId,
      executionClusterId: workflow.group,
      timeoutSeconds: 10,
    };
    const outcome = await drive(current, client(current, address).waitWorkflow(request, CALL));
    expect(outcome).toEqual({ success: true, output: "pong" });
  }
}

test("a drained group hands its results over before it is destroyed", async () => {
  sim = new ClusterSim(11);
  const current = sim;
  await current.add();
  await current.add(5);
  await current.until("6 nodes settled", () => current.isSettled(), 120_000);
  const before = current.managementLeader()?.node?.managementState();
  const groups = [...(before?.groups.values() ?? [])];
  expect(groups.map((group) => group.members.length)).toEqual([3, 3]);

  const started = await startIn(
    current,
    groups.map((group) => group.id),
  );
  const waitAll = (address: string) => expectPong(current, address, started);
  await waitAll(current.nodes[0]?.address ?? "");

  // Lose one member of the group the management leader is not in: 3 + 2 nodes, no donor.
  const leaderId = current.managementLeader()?.node?.nodeId;
  const drained = groups.find((group) => !group.members.includes(leaderId ?? (0 as never)));
  if (drained === undefined) throw new Error("the management leader is in every group");
  const victim = current.live().find((entry) => entry.node?.nodeId === drained.members[0]);
  if (victim === undefined) throw new Error("no victim");
  await current.crash(victim);
  await current.until("5 nodes settled", () => current.isSettled(), 180_000);

  const after = current.managementLeader()?.node?.managementState();
  if (after === undefined) throw new Error("no management leader");
  expect(after.groups.has(drained.id)).toBe(false);
  const heir = resultsHolder(after, drained.id);
  expect(after.groups.has(heir)).toBe(true);
  // Every live node answers for every workflow, under the id it was started with.
  for (const entry of current.live()) await waitAll(entry.address);
  for (const entry of current.live()) {
    const machine = entry.node?.workflowState(heir);
    if (machine === undefined) continue;
    for (const workflow of started) {
      expect(machine.status(workflow.workflowId)?.status).toBe("Completed");
    }
  }
}, 300_000);
