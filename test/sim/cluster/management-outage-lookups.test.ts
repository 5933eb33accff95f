// A list, and a look-up by id that finds nothing, first catch up with the management group, so
// that a node whose view of the execution groups lags does not answer from it as if complete.
// When the management group has no leader this node knows, that catch-up cannot succeed: the
// node answers from the groups it knows at once (evicted-lookup.ts, managementCatchUp), instead
// of holding every list and every NOT_FOUND for the proposal timeout (10 s).

import { afterEach, expect, test } from "bun:test";
import { MANAGEMENT_GROUP, type NodeId, nodeId } from "../../../src/lib/index.ts";
import { ClusterSim, SIM_TUNING, type SimNode } from "./cluster-sim.ts";

let sim: ClusterSim | undefined;
afterEach(async () => {
  await sim?.stopAll();
  sim = undefined;
});

const PING = { workflowType: "ping_pong", version: 1, input: "ping" };
const PROPOSAL_TIMEOUT_MS = SIM_TUNING.proposalTimeoutMs ?? 0;

/** Three nodes to crash: a majority of the management voters, at most one of `kept`'s voters. */
function victimsFor(
  nodes: readonly SimNode[],
  managementVoters: readonly NodeId[],
  kept: readonly NodeId[],
) {
  const idOf = (entry: SimNode) => entry.node?.nodeId ?? nodeId(0);
  for (const a of nodes) {
    for (const b of nodes) {
      for (const c of nodes) {
        const set = [...new Set([a, b, c])];
        if (set.length !== 3) continue;
        const voters = set.filter((entry) => managementVoters.includes(idOf(entry))).length;
        const ofKept = set.filter((entry) => kept.includes(idOf(entry))).length;
        if (2 * (managementVoters.length - voters) <= managementVoters.length && ofKept <= 1) {
          return set;
        }
      }
    }
  }
  throw new Error("no three nodes take the management majority and leave the group its own");
}

test("without a management leader for long, a list answers at once from the groups known", async () => {
  sim = new ClusterSim(17);
  const current = sim;
  await current.add();
  await current.add(5);
  await current.until("6 nodes in two groups", () => current.isSettled(), 120_000);
  const [observer] = current.live() as [SimNode];
  const self = observer.node?.nodeId ?? nodeId(0);
  const state = () => observer.node?.managementState();
  const groups = [...(state()?.groups.values() ?? [])];
  const kept = groups.find((group) => group.voters.includes(self));
  if (kept === undefined) throw new Error("the observer votes in no execution group");
  const voters =
    observer.node?.raftHost()?.inspect(MANAGEMENT_GROUP)?.status().appliedConfState.voters ?? [];
  const started = await current.call(observer, (api) =>
    api.runWorkflow({ ...PING, executionClusterId: kept.id }),
  );
  expect(started).toMatchObject({ success: true });
  const others = current.live().filter((entry) => entry !== observer);
  for (const victim of victimsFor(others, voters, kept.voters)) await current.crash(victim);

  // The management group has had no leader for long on the observer; its group still works.
  let leaderlessMs = 0;
  while (leaderlessMs <= 2 * (SIM_TUNING.electionTicks ?? 0) * 100 + 5_000) {
    await current.advance(250, 5);
    const details = await current.call(observer, async (api) => api.healthDetails());
    leaderlessMs =
      details.groups.find((group) => group.groupId === MANAGEMENT_GROUP)?.leaderlessMs ?? 0;
  }
  expect(
    await current.call(observer, (api) =>
      api.runWorkflow({ ...PING, executionClusterId: kept.id }),
    ),
  ).toMatchObject({ success: true });

  const listedAtMs = current.nowMs;
  const page = await current.call(observer, (api) => api.listWorkflows({}));
  expect(current.nowMs - listedAtMs).toBeLessThan(PROPOSAL_TIMEOUT_MS / 2);
  expect(page.workflows.length).toBeGreaterThanOrEqual(2);
  // The other group lost its majority with the management group: named, not left out.
  const lost = groups.filter((group) => group.id !== kept.id).map((group) => group.id);
  expect(page.unavailableClusters.map((cluster) => cluster.executionClusterId)).toEqual(lost);
}, 300_000);
