// A learner left out of an operator's forced recovery (management/replica-renewal-plan.ts):
// voters 1-3 and learner 4; 1 and 2 commit entries that reach 4 but not 3, then are lost; 3
// is forced to be the only voter and adds 4 back. Replica 4 holds committed entries that 3's
// log contradicts. It refuses 3 until its management records show the recovery (3 leading,
// 4 no voter, a voter of its configuration lost); then it gives way to an empty replica that
// takes 3's log, and votes once 3 makes it a voter. A contradicting log from a node the
// cluster removed never makes it give way.

import { expect, test } from "bun:test";
import { createLogger, type GroupId, groupId, type NodeId, nodeId } from "../../src/lib/index.ts";
import {
  emptyManagementState,
  type GroupRecord,
  type ManagementState,
} from "../../src/management/index.ts";
import { ReplicaRenewal } from "../../src/node/replica-renewal.ts";
import type { ConfChangeSingle } from "../../src/raft/index.ts";
import { HostCluster, settle, type TestHost } from "../support/host-cluster.ts";
import { KvStateMachine, kvCommand } from "../support/kv-state-machine.ts";

const G = groupId(1);
const put = (key: string, value: string) => kvCommand({ op: "put", key, value });
const ids = (...values: number[]) => values.map(nodeId);

/** Node 4's records: the group's record, the cluster's nodes, and the lost ones. */
function records(options: {
  group: Partial<GroupRecord>;
  nodes: number[];
  lost: number[];
}): ManagementState {
  const empty = emptyManagementState();
  const record: GroupRecord = {
    id: G,
    members: ids(1, 2, 3, 4),
    initialMembers: ids(1, 2, 3),
    draining: false,
    voters: ids(1, 2, 3),
    learners: ids(4),
    configIndex: 0 as never,
    running: 0,
    leaderId: nodeId(1),
    faultTolerance: 1,
    ...options.group,
  };
  const nodes = new Map(
    options.nodes.map((id) => [nodeId(id), { id: nodeId(id), address: `node-${id}:1` }]),
  );
  return {
    ...empty,
    clusterId: "c",
    nodes: nodes as never,
    groups: new Map([[G, record]]),
    removedNodes: new Set(ids(...options.lost)),
    lostNodes: new Set(ids(...options.lost)),
  };
}

/** What 3's recovery leaves on record: 3 leads alone, 4 its learner, 1 and 2 lost. */
const RECOVERED = {
  group: { voters: ids(3), learners: ids(4), members: ids(3, 4), leaderId: nodeId(3) },
  nodes: [3, 4],
  lost: [1, 2],
};

async function change(host: TestHost, cluster: HostCluster, single: ConfChangeSingle) {
  const changed = host.host.proposeConfChange(G, {
    transition: "auto",
    changes: [single],
    context: new Uint8Array(),
  });
  await cluster.advance(50);
  await changed;
}

/**
 * Nodes 1-4, node 4's replicas renewing through a real ReplicaRenewal that reads `state`;
 * `join` plays the management runtime's pass placing an empty replica of the group on 4.
 */
async function fourNodes(state: { current: ManagementState }) {
  const cluster = new HostCluster();
  const lines: string[] = [];
  const logger = createLogger({ level: "warn", format: "text", write: (l) => lines.push(l) });
  let renewal: ReplicaRenewal | undefined;
  let dueCount = 0;
  const [one, two, three] = [
    await cluster.startNode(1),
    await cluster.startNode(2),
    await cluster.startNode(3),
  ];
  const four = await cluster.startNode(4, undefined, {
    logger,
    lostCommitRenew: (groupId: GroupId, leader: NodeId) =>
      renewal?.renew(groupId, leader) ?? { isRenewed: false, reason: "not wired" },
  });
  renewal = new ReplicaRenewal({
    self: nodeId(4),
    host: four.host,
    execution: { dropGroup: (id) => cluster.hosts.get(nodeId(4))?.machines.delete(id) },
    state: () => state.current,
    logger,
    onDue: () => {
      dueCount++;
    },
  });
  // As the management runtime's pass places a replica: an empty engine, joining the group.
  const join = async () => {
    const machine = new KvStateMachine();
    four.machines.set(G, machine);
    const created = four.host.createGroup(G, { mode: "join" }, machine);
    await cluster.advance(3);
    await created;
  };
  const pass = async () => {
    const dropped = settle(renewal?.dropDue() ?? Promise.resolve());
    await cluster.until(() => dropped.done);
    expect(dropped.error).toBeUndefined();
    expect(four.host.hasGroup(G)).toBe(false);
    await join();
  };
  return { cluster, lines, one, two, three, four, join, pass, due: () => dueCount };
}

/**
 * Steps 1-3 above, with node 4's records given by `state` (changeable), up to the moment 3
 * adds 4 back as a learner; `pass` drops what is due and places an empty replica on 4.
 */
async function leftOutLearner(state: { current: ManagementState }) {
  const nodes = await fourNodes(state);
  const { cluster, one, two, three, four, join } = nodes;
  for (const node of [one, two, three]) {
    const created = node.host.createGroup(
      G,
      { mode: "bootstrap", voters: ids(1, 2, 3) },
      cluster.machineFor(node.id, G),
    );
    await cluster.advance(2);
    await created;
  }
  one.host.campaign(G);
  await cluster.until(() => cluster.leaderOf(G) === one);
  await join();
  await change(one, cluster, { type: "addLearner", nodeId: nodeId(4) });
  // 3 falls behind; 1 and 2 commit entries that reach 4 with their commit, but not 3.
  cluster.network.partition(
    [cluster.address(nodeId(3))],
    [1, 2, 4].map((id) => `node-${id}:1`),
  );
  for (const value of ["a", "b", "c"]) {
    const written = one.host.propose(G, put(value, value));
    await cluster.advance(30);
    await written;
  }
  const leaderCommit = one.host.inspect(G)?.status().commit ?? 0;
  await cluster.until(() => (four.host.inspect(G)?.status().commit ?? 0) >= leaderCommit);
  expect(three.host.inspect(G)?.status().lastIndex).toBeLessThan(leaderCommit);
  const held = four.host.inspect(G)?.status();
  // 1 and 2 are lost for good; 3 is forced to be the only voter and adds 4 back.
  await cluster.crash(1);
  await cluster.crash(2);
  cluster.network.heal();
  await cluster.advance(300, 10);
  const forced = three.host.forceSoleVoter(G);
  await cluster.advance(20);
  await forced;
  await change(three, cluster, { type: "addLearner", nodeId: nodeId(4) });
  return { ...nodes, held };
}

test("a learner left out of a forced recovery refuses the new leader until its records show the recovery", async () => {
  const state = { current: records({ group: {}, nodes: [1, 2, 3, 4], lost: [] }) };
  const { cluster, three, four, lines, held, pass, due } = await leftOutLearner(state);
  await cluster.advance(1_000, 10);
  // The records do not show the recovery yet: 4 keeps its log and says why.
  expect(due()).toBe(0);
  expect(four.host.inspect(G)?.status().lastIndex).toBe(held?.lastIndex as never);
  const refused = lines.join("\n");
  expect(refused).toContain("Group 1 takes nothing from its leader");
  expect(refused).toContain("the records show node 1 leading the group, not node 3");

  // The recovery reaches 4's records: at 3's next message, the replica gives way.
  state.current = records(RECOVERED);
  await cluster.until(() => due() > 0, 2_000);
  const renewed = lines.find((line) => line.includes("replacing it with an empty one"));
  expect(renewed).toContain("leader: 3,");
  expect(renewed).toContain(`dropped_last_index: ${held?.lastIndex},`);
  expect(renewed).toContain(`dropped_commit: ${held?.commit}`);
  await pass();
  const leader = () => three.host.inspect(G)?.status();
  await cluster.until(() => four.host.inspect(G)?.status().commit === leader()?.commit, 2_000);
  expect(four.host.inspect(G)?.status().lastIndex).toBe(leader()?.lastIndex as never);
  expect(four.host.inspect(G)?.termAt(leader()?.lastIndex as never)).toBe(
    three.host.inspect(G)?.termAt(leader()?.lastIndex as never) as never,
  );
  expect(four.host.inspect(G)?.status().confState.learners).toEqual(ids(4));
  // The entries only 1, 2 and 4 held are gone with the recovery; 3's state is everyone's.
  expect(Object.fromEntries(cluster.machineFor(4, G).data)).toEqual(
    Object.fromEntries(cluster.machineFor(3, G).data),
  );
  expect(cluster.machineFor(4, G).data.has("c")).toBe(false);

  // 3 makes 4 a voter: a write commits only with 4's vote now.
  await change(three, cluster, { type: "addVoter", nodeId: nodeId(4) });
  expect(four.host.inspect(G)?.status().confState.voters).toEqual(ids(3, 4));
  const after = three.host.propose(G, put("after", "1"));
  await cluster.advance(50);
  await after;
  await cluster.until(() => cluster.machineFor(4, G).data.get("after") === "1");
  await cluster.crash(4);
  const alone = settle(three.host.propose(G, put("alone", "1"), { timeoutMs: 500 }));
  await cluster.advance(600, 10);
  expect(alone.error).toMatchObject({ code: "TIMEOUT" });
  // Back from its storage, 4 holds the new replica's log only, and commits the write.
  const back = await cluster.startNode(4);
  expect(back.host.inspect(G)?.status().commit).toBeGreaterThan(held?.commit as never);
  await cluster.until(() => cluster.machineFor(4, G).data.get("alone") === "1");
  expect(cluster.machineFor(4, G).data.has("c")).toBe(false);
  await cluster.crash(3);
  await cluster.crash(4);
}, 60_000);

test("a contradicting log from a node the cluster removed never wipes the replica", async () => {
  // 4's records still name 3 as the group's last leader, but the cluster removed 3 since:
  // a copy forced on a removed node is a fork, however the stale record reads.
  const removed = records({ ...RECOVERED, nodes: [4] });
  const state = { current: { ...removed, removedNodes: new Set(ids(1, 2, 3)) } };
  const { cluster, four, lines, held, due } = await leftOutLearner(state);
  await cluster.advance(3_000, 10);
  expect(due()).toBe(0);
  expect(four.host.inspect(G)?.status().lastIndex).toBe(held?.lastIndex as never);
  expect(four.host.inspect(G)?.status().commit).toBe(held?.commit as never);
  expect(cluster.machineFor(4, G).data.get("c")).toBe("c");
  expect(lines.join("\n")).toContain("node 3 is no node of the cluster");
  await cluster.crash(3);
  await cluster.crash(4);
}, 60_000);

test("nor does one from the recorded leader while the records count this node as a voter", async () => {
  const voter = records({ ...RECOVERED, group: { ...RECOVERED.group, voters: ids(3, 4) } });
  const { cluster, four, lines, held, due } = await leftOutLearner({ current: voter });
  await cluster.advance(3_000, 10);
  expect(due()).toBe(0);
  expect(four.host.inspect(G)?.status().lastIndex).toBe(held?.lastIndex as never);
  expect(lines.join("\n")).toContain("the records count this node as a voter");
  await cluster.crash(3);
  await cluster.crash(4);
}, 60_000);
