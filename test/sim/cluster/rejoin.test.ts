// A node cut off from the cluster, and removed meanwhile as failed, registers again when it can
// reach the cluster once more: through the members it knows, its --peers, or any address the
// management state listed while it ran (or a peer sent from: peer-seen-at.test.ts). The last
// matters when every member it knows is gone: the cluster it comes back to may be made of
// nodes that were removed and came back since. A registration that cannot be admitted is
// refused at once, saying why.

import { afterEach, expect, test } from "bun:test";
import { MANAGEMENT_GROUP, RaftoralError } from "../../../src/lib/index.ts";
import { startingApi } from "../../../src/node/api-switch.ts";
import { ClusterSim, SIM_TUNING, type SimNode } from "./cluster-sim.ts";

let sim: ClusterSim | undefined;
afterEach(async () => {
  await sim?.stopAll();
  sim = undefined;
});

/** Whether the node is a member as it sees the cluster itself. */
const isMember = (entry: SimNode) =>
  entry.node?.managementState().nodes.has(entry.node.nodeId) === true;

test("a node whose every known member left finds its way back through one it saw before", async () => {
  const current = new ClusterSim(7);
  sim = current;
  const [first, second, third, fourth] = (await current.add(4)) as [
    SimNode,
    SimNode,
    SimNode,
    SimNode,
  ];
  await current.until("4 nodes settled", () => current.isSettled(), 120_000);

  // The fourth fails and is removed: the first no longer lists it.
  await current.crash(fourth);
  await current.until(
    "the fourth is removed",
    () => !first.node?.managementState().nodes.has(fourth.lastId as never),
    120_000,
  );

  // The first is cut off and removed; meanwhile the fourth comes back and the second and the
  // third leave. Every member the first still lists is gone.
  const others = [second, third, fourth].map((entry) => entry.address);
  current.world.network.partition([first.address], others);
  current.restart(fourth);
  await current.until(
    "the first is removed, the fourth back",
    () => isMember(fourth) && !fourth.node?.managementState().nodes.has(first.lastId as never),
    180_000,
  );
  expect(await current.leave(second)).toBe(true);
  expect(await current.leave(third)).toBe(true);
  const listed = [...(first.node?.managementState().nodes.keys() ?? [])].sort();
  expect(listed).toEqual([first, second, third].map((entry) => entry.lastId).sort() as never);

  current.world.network.heal();
  await current.until("the first registered again", () => isMember(first), 120_000);
  await current.until("the two settled", () => current.isSettled(), 180_000);
  expect(current.live()).toEqual([first, fourth]);
}, 300_000);

test("a node removed while it was down registers again as soon as it restarts", async () => {
  const current = new ClusterSim(10);
  sim = current;
  const [first, , third] = (await current.add(3)) as [SimNode, SimNode, SimNode];
  await current.until("3 nodes settled", () => current.isSettled(), 120_000);
  await current.crash(third);
  await current.until(
    "the third is removed",
    () => !first.node?.managementState().nodes.has(third.lastId as never),
    120_000,
  );
  const restartedAtMs = current.nowMs;
  const restarted = current.restart(third);
  await current.until("the third is ready again", () => restarted.isReady(), 120_000);
  // The nodes it asks at the restart say it is no longer listed: it does not wait out a
  // failure timeout (5 s here) for a management leader that will never send to it.
  expect(current.nowMs - restartedAtMs).toBeLessThan(SIM_TUNING.failureTimeoutMs as number);
  expect(isMember(third)).toBe(true);
  await current.until("the three settled", () => current.isSettled(), 180_000);
}, 300_000);

test("a leave before the start opened the node's storage fails, and the node starts all the same", async () => {
  const current = new ClusterSim(8);
  sim = current;
  const [, second] = (await current.add(3)) as [SimNode, SimNode, SimNode];
  await current.until("3 nodes settled", () => current.isSettled(), 120_000);
  await current.crash(second);
  const restarted = current.restart(second);
  let failure: unknown;
  await second.node?.leave().catch((error: unknown) => {
    failure = error;
  });
  expect(failure).toBeInstanceOf(RaftoralError);
  expect((failure as RaftoralError).code).toBe("UNAVAILABLE");
  await current.until("the second is ready again", () => restarted.isReady(), 120_000);
  expect(isMember(second)).toBe(true);
  expect(await current.leave(second)).toBe(true);
  await current.until("the two settled", () => current.isSettled(), 180_000);
}, 300_000);

test("a node cut off from the management leader refuses a registration at once, saying why", async () => {
  // A learner (the second of two nodes) keeps the leader it knew when cut off, so a
  // registration forwarded there would wait out the whole proposal timeout.
  const current = new ClusterSim(9);
  sim = current;
  const [first, second] = (await current.add(2)) as [SimNode, SimNode];
  await current.until("2 nodes settled", () => current.isSettled(), 120_000);
  current.world.network.partition([second.address], [first.address]);
  // Past the leader watch's threshold (leaderlessReportMs).
  await current.advance(8_000);
  expect(second.node?.raftHost()?.inspect(MANAGEMENT_GROUP)?.status().leaderId).toBe(
    first.lastId as never,
  );
  const askedAtMs = current.nowMs;
  const register = { nodeId: 0 as never, address: "node-9:7001" };
  const failure = await current.call(second, (api) => api.register(register)).catch((e) => e);
  expect(failure).toBeInstanceOf(RaftoralError);
  expect((failure as RaftoralError).code).toBe("UNAVAILABLE");
  expect((failure as RaftoralError).message).toContain("The management group has had no leader");
  expect((failure as RaftoralError).message).toContain("register through another node");
  expect(current.nowMs - askedAtMs).toBeLessThan(1_000);
}, 300_000);

test("a registration asking for a taken id is refused with ALREADY_EXISTS, through any node", async () => {
  const current = new ClusterSim(10);
  sim = current;
  const [first, second] = (await current.add(2)) as [SimNode, SimNode];
  await current.until("2 nodes settled", () => current.isSettled(), 120_000);
  // A joiner that is starting at the address it registers (the registration checks it).
  const address = "node-9:7001";
  const joiner = { address, transport: "grpc", maxVoters: 5, metrics: () => "" } as const;
  const api = startingApi({ ...joiner, instance: "9", reason: () => "joining the cluster" });
  await current.world.network.server().listen("node-9", 7001, api);
  const register = { nodeId: first.lastId as never, address, instanceId: "9" };
  for (const node of [first, second]) {
    const failure = await current.call(node, (api) => api.register(register)).catch((e) => e);
    expect(failure).toBeInstanceOf(RaftoralError);
    expect((failure as RaftoralError).code).toBe("ALREADY_EXISTS");
    expect((failure as RaftoralError).message).toContain(
      `node id ${first.lastId} is in use by ${first.address}; choose another --node-id`,
    );
  }
}, 300_000);
