// A learner of an execution group that an operator's forced recovery left out, on whole nodes
// (src/node/replica-renewal.ts): a fourth node joins group 1 as a learner whose answers never
// reach the group's leader (so it is never promoted), and it receives entries that the leader
// and one other voter committed while the third voter, the survivor to be, got none of the
// leader's appends. The leader and that voter are lost for good, and the survivor is forced to
// be the group's only voter. The learner's replica then holds committed entries the survivor's
// log contradicts: it gives way to an empty one once its records show the recovery, which
// takes the survivor's log; the group serves on with it, and it votes once the group wants it
// to. Before, it refused the survivor for good, an error line every 10 s. And the records take
// the survivor's configuration at once (a forced report), where they passed over its reports
// until its log grew past the index the group last reported.

import { afterEach, expect, test } from "bun:test";
import { groupId, MANAGEMENT_GROUP, type NodeId } from "../../../src/lib/index.ts";
import { ClusterSim, SIM_TUNING, type SimNode } from "./cluster-sim.ts";

let sim: ClusterSim | undefined;
afterEach(async () => {
  await sim?.stopAll();
  sim = undefined;
});

const G = groupId(1);
const PING = { workflowType: "ping_pong", version: 1, input: "ping" };

const statusOf = (entry: SimNode | undefined) => entry?.node?.raftHost()?.inspect(G)?.status();

/**
 * Three settled nodes: `leader` leads group 1 and is neither the management leader nor the
 * node others join through; `survivor` is one of the other two, `other` the last.
 */
async function arranged(current: ClusterSim) {
  const nodes = await current.settleThree();
  const management = current.managementLeader();
  const leader = nodes.slice(1).find((entry) => entry !== management) as SimNode;
  const rest = nodes.filter((entry) => entry !== leader);
  const survivor = rest.find((entry) => entry !== management) ?? (rest[0] as SimNode);
  const other = rest.find((entry) => entry !== survivor) as SimNode;
  const leaderId = leader.lastId as NodeId;
  await current.until(
    "group 1 led by the chosen node",
    () => {
      const led = nodes.find((entry) => statusOf(entry)?.role === "leader");
      if (led !== undefined && led !== leader)
        led.node?.raftHost()?.transferLeadership(G, leaderId);
      return led === leader;
    },
    30_000,
  );
  return { leader, survivor, other };
}

/**
 * The state before the loss: the learner holds entries the leader and `other` committed,
 * which the survivor lacks. Returns the learner's replica status then (`held`).
 */
async function learnerAhead(current: ClusterSim) {
  const { leader, survivor, other } = await arranged(current);
  const network = current.world.network;
  let learner: SimNode | undefined;
  // Group 1 only: the survivor gets the leader's heartbeats but none of its appends, and the
  // leader hears the learner's refusal (so it sends its log) but none of its acknowledgements
  // (so it never counts as caught up, and stays a learner).
  network.faults = {
    ...network.faults,
    isMessageLost: (from, to, message) => {
      if (message.type !== "raft" || message.groupId !== G) return false;
      const raft = message.message;
      if (from === leader.address && to === survivor.address) {
        return raft.type === "AppendEntries";
      }
      const isAcknowledgement = raft.type === "AppendEntriesResponse" && raft.success;
      return from === learner?.address && to === leader.address && isAcknowledgement;
    },
  };
  for (let k = 0; k < 3; k++) await current.call(leader, (api) => api.runWorkflow(PING));
  const committed = statusOf(leader)?.commit ?? 0;
  learner = current.join().entry;
  await current.until(
    "the fourth node, a learner of group 1, knows the leader's commit",
    () =>
      statusOf(learner)?.confState.learners.includes(learner?.node?.nodeId as NodeId) === true &&
      (statusOf(learner)?.commit ?? 0) >= committed,
    60_000,
  );
  expect(statusOf(survivor)?.lastIndex).toBeLessThan(committed);
  return { leader, survivor, other, learner, held: statusOf(learner) };
}

/**
 * The operator's forced recovery on the survivor, and what the records show of it: the
 * survivor's configuration at once, although its log ends before the index the group last
 * reported (a forced report, management rules 4), where they passed over its reports and its
 * leader proposed one at every pass.
 */
async function recoverOn(current: ClusterSim, survivor: SimNode, held: number) {
  await current.call(survivor, (api) => api.recoverGroups({ dryRun: false }));
  const recorded = () => survivor.node?.managementState().groups.get(G);
  await current.until(
    "the records show the survivor as group 1's only voter",
    () => recorded()?.voters.join() === `${survivor.lastId}`,
    10_000,
  );
  expect(recorded()?.configIndex).toBeLessThan(held);
}

/**
 * Idle, the management log stays still (it took 125 reports in these 10 s before); then a
 * third node joins the group through the survivor and is ready once the records count it a
 * voter, and every member votes, the renewed replica too.
 */
async function settlesWithThird(current: ClusterSim, survivor: SimNode, learner: SimNode) {
  const managementLast = () =>
    survivor.node?.raftHost()?.inspect(MANAGEMENT_GROUP)?.status().lastIndex ?? 0;
  const idleFrom = managementLast();
  await current.advance(10_000, 20);
  expect(managementLast() - idleFrom).toBeLessThanOrEqual(5);
  const third: SimNode = {
    address: "node-9:7001",
    peers: [survivor.address],
    isBootstrap: false,
    node: undefined,
    lastId: undefined,
  };
  current.nodes.push(third);
  const joined = current.restart(third);
  await current.until(
    "the renewed replica votes, and the third node is ready",
    () =>
      statusOf(survivor)?.confState.voters.includes(learner.node?.nodeId as NodeId) === true &&
      joined.isReady(),
    60_000,
  );
}

test("a learner left out of a forced recovery gets an empty replica that takes the survivor's log", async () => {
  // Three management voters: the fourth node is a learner there too, so the recovery of the
  // management group leaves it in the cluster (a voter there would be left behind as lost).
  const current = new ClusterSim(71, [], { ...SIM_TUNING, maxVoters: 3 });
  sim = current;
  const { leader, survivor, other, learner, held } = await learnerAhead(current);
  const network = current.world.network;
  for (const gone of [leader, other]) {
    await current.crash(gone);
    current.world.wipe(gone.address);
  }
  network.faults = { ...network.faults, isMessageLost: undefined };
  await current.advance(8_000, 20);
  await recoverOn(current, survivor, held?.lastIndex ?? 0);

  await current.until(
    "the learner's replica gave way",
    () => current.lines.some((line) => line.includes("replacing it with an empty one")),
    60_000,
  );
  const renewed = current.lines.find((line) => line.includes("replacing it with an empty one"));
  expect(renewed).toContain(learner.address);
  expect(renewed).toContain(`leader: ${survivor.lastId},`);
  expect(renewed).toContain(`dropped_last_index: ${held?.lastIndex},`);
  await current.until(
    "the learner holds the survivor's log",
    () =>
      statusOf(learner)?.commit === statusOf(survivor)?.commit &&
      statusOf(learner)?.lastIndex === statusOf(survivor)?.lastIndex,
    60_000,
  );
  expect(statusOf(learner)?.confState.learners).toEqual([learner.node?.nodeId] as never);
  // The group serves on, and the learner follows.
  expect(await current.call(survivor, (api) => api.runWorkflow(PING))).toEqual({
    success: true,
    output: "pong",
  });
  const after = statusOf(survivor)?.commit ?? 0;
  await current.until(
    "the learner follows",
    () => (statusOf(learner)?.commit ?? 0) >= after,
    10_000,
  );
  expect(learner.node).toBeDefined(); // Still running: no exit for the execution group.
  await settlesWithThird(current, survivor, learner);
  // At most the one refusal before its records showed the recovery.
  const refusals = current.lines.filter(
    (line) => line.includes(learner.address) && line.includes("takes nothing from its leader"),
  );
  expect(refusals.length).toBeLessThanOrEqual(1);
}, 300_000);
