// A group removed from a node, or a node that stops, fails the callers still waiting there,
// and the error says whether the command may have been applied: one sent to a leader, or in
// the log of this node as leader, may be committed by the others, so its outcome is unknown
// (TIMEOUT), not "no such group" or "shutting down"; one that never left the node was not.

import { expect, test } from "bun:test";
import { groupId, nodeId } from "../../src/lib/index.ts";
import { clusterWithGroups, loneHostWithGroup, settle } from "../support/host-cluster.ts";
import { KvStateMachine, kvCommand } from "../support/kv-state-machine.ts";

const G1 = groupId(1);

async function followerOfCrashedLeader() {
  const cluster = await clusterWithGroups([G1]);
  const leader = cluster.leaderOf(G1);
  if (leader === undefined) throw new Error("no leader");
  await cluster.crash(leader.id);
  const follower = [...cluster.hosts.values()].find((entry) => entry.id !== leader.id);
  if (follower === undefined) throw new Error("no follower");
  return { cluster, follower: follower.host };
}

test("a proposal sent to a leader fails as of unknown outcome when the group goes", async () => {
  const { cluster, follower } = await followerOfCrashedLeader();
  // The follower still knows the crashed leader and forwards to it; no answer comes.
  const outcome = settle(follower.propose(G1, kvCommand({ op: "put", key: "k", value: "v" })));
  await cluster.advance(5);
  expect(outcome.done).toBe(false);
  const removed = settle(follower.removeGroup(G1));
  await cluster.until(() => outcome.done && removed.done);
  expect((outcome.error as { code?: string }).code).toBe("TIMEOUT");
  expect(outcome.error?.message).toContain("may still be applied");
});

/** The leader of G1 with both followers crashed, holding a proposal it cannot commit. */
async function leaderHoldingAProposal() {
  const cluster = await clusterWithGroups([G1]);
  const leader = cluster.leaderOf(G1);
  if (leader === undefined) throw new Error("no leader");
  for (const entry of [...cluster.hosts.values()]) {
    if (entry.id !== leader.id) await cluster.crash(entry.id);
  }
  const outcome = settle(leader.host.propose(G1, kvCommand({ op: "put", key: "k", value: "v" })));
  await cluster.advance(5);
  expect(outcome.done).toBe(false);
  return { cluster, leader: leader.host, outcome };
}

test("a proposal in the leader's own log fails as of unknown outcome when the group goes", async () => {
  const { cluster, leader, outcome } = await leaderHoldingAProposal();
  const removed = settle(leader.removeGroup(G1));
  await cluster.until(() => outcome.done && removed.done);
  expect((outcome.error as { code?: string }).code).toBe("TIMEOUT");
  expect(outcome.error?.message).toContain("may still be applied");
});

test("a node that stops fails a proposal in its log as of unknown outcome", async () => {
  const { cluster, leader, outcome } = await leaderHoldingAProposal();
  leader.stop();
  await cluster.until(() => outcome.done);
  expect((outcome.error as { code?: string }).code).toBe("TIMEOUT");
  expect(outcome.error?.message).toContain("may still be applied");
});

/**
 * One member of three that never hears from the others, holding a proposal: no leader, so the
 * proposal waits, never sent anywhere.
 */
async function loneMemberWaiting() {
  const voters = [nodeId(1), nodeId(2), nodeId(3)];
  const { host, step } = await loneHostWithGroup(new KvStateMachine(), { voters });
  const outcome = settle(host.propose(G1, kvCommand({ op: "put", key: "k", value: "v" })));
  for (let ms = 0; ms < 50; ms++) await step();
  expect(outcome.done).toBe(false);
  return { host, step, outcome };
}

test("a proposal that never left the node fails as of a group it does not host", async () => {
  const { host, step, outcome } = await loneMemberWaiting();
  const removed = settle(host.removeGroup(G1));
  while (!outcome.done || !removed.done) await step();
  expect((outcome.error as { code?: string }).code).toBe("UNKNOWN_GROUP");
  host.stop();
});

test("a node that stops fails a proposal that never left it with SHUTTING_DOWN", async () => {
  const { host, step, outcome } = await loneMemberWaiting();
  host.stop();
  while (!outcome.done) await step();
  expect((outcome.error as { code?: string }).code).toBe("SHUTTING_DOWN");
});
