// A follower forwards a proposal to the node it believes leads the group; when that node no
// longer hosts the group (it left it, or the hint was stale), the proposal was not appended
// there, and the follower's group is still alive: the proposal waits for the real leader,
// as it does when no leader is known, rather than failing as if the group were gone here.

import { expect, test } from "bun:test";
import { groupId } from "../../src/lib/index.ts";
import { clusterWithGroups, settle } from "../support/host-cluster.ts";
import { kvCommand } from "../support/kv-state-machine.ts";

const G1 = groupId(1);

test("a proposal refused by a leader that left the group waits for the next leader", async () => {
  const cluster = await clusterWithGroups([G1]);
  const leader = cluster.leaderOf(G1);
  if (leader === undefined) throw new Error("no leader");
  const follower = [...cluster.hosts.values()].find((entry) => entry.id !== leader.id);
  if (follower === undefined) throw new Error("no follower");
  // The leader drops its replica; the followers still take it for their leader for now.
  const removed = settle(leader.host.removeGroup(G1));
  const outcome = settle(follower.host.propose(G1, kvCommand({ op: "put", key: "k", value: "v" })));
  await cluster.until(() => removed.done && outcome.done);
  expect(outcome.error?.message).toBeUndefined();
  expect(cluster.leaderOf(G1)?.id).not.toBe(leader.id);
});
