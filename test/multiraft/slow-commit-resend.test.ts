// A command that is slow to commit is not lost: while the leader it went to still leads and
// holds it in its log, sending it again only appends it twice. Under overload every command
// waits longer than the resend interval, and resending them all made duplicates most of what
// the groups committed. A follower that cannot tell sends again less and less often, and a
// command cut off on its way still arrives, once.

import { expect, test } from "bun:test";
import { groupId, type NodeId } from "../../src/lib/index.ts";
import { decodeEnvelope } from "../../src/multiraft/command-envelope.ts";
import {
  clusterWithGroups,
  type HostCluster,
  settle,
  TEST_HOST_CONFIG,
} from "../support/host-cluster.ts";
import { kvCommand } from "../support/kv-state-machine.ts";

const G1 = groupId(1);
/** The host sends a command again after twice the election timeout: 200 ms here. */
const RESEND_INTERVAL_MS =
  2 * TEST_HOST_CONFIG.raft.electionTicks * TEST_HOST_CONFIG.tickIntervalMs;
// Without check-quorum a leader that hears from too few keeps leading, so a commit can take
// longer than the resend interval under one leader, as it does on an overloaded one.
const PATIENT_LEADER = {
  ...TEST_HOST_CONFIG,
  raft: { ...TEST_HOST_CONFIG.raft, checkQuorum: false },
};

async function nodes(size: number) {
  const cluster = await clusterWithGroups([G1], { config: PATIENT_LEADER, size });
  const leader = cluster.leaderOf(G1);
  if (leader === undefined) throw new Error("no leader");
  // Every follower learns who leads before anything is proposed.
  await cluster.advance(RESEND_INTERVAL_MS);
  const followers = [...cluster.hosts.values()].filter((h) => h.id !== leader.id);
  return { cluster, leader, followers };
}

/** How many entries of `id`'s log carry a put of `key`. */
function copiesOf(cluster: HostCluster, id: NodeId, key: string): number {
  const entries = cluster.hosts.get(id)?.store.groups.get(G1)?.entries ?? [];
  const decoder = new TextDecoder();
  return entries.filter((entry) => {
    const envelope = entry.type === "normal" ? decodeEnvelope(entry.data) : undefined;
    return envelope !== undefined && decoder.decode(envelope.command).includes(`"key":"${key}"`);
  }).length;
}

test("commands that wait five resend intervals to commit are appended once", async () => {
  const { cluster, leader, followers } = await nodes(5);
  const [first, second, ...silent] = followers;
  if (first === undefined || second === undefined) throw new Error("too few followers");
  const { network } = cluster;
  // Of five, the leader and the first follower alone cannot commit: the second follower
  // follows without the leader's appends, so it never sees its own command nor acknowledges
  // one, and the other two hear nothing.
  const lagging = cluster.address(second.id);
  network.faults.isMessageLost = (_from, to, message) =>
    to === lagging && message.type === "raft" && message.message.type === "AppendEntries";
  for (const host of silent) network.pause(cluster.address(host.id));
  const put = (host: typeof leader, key: string) =>
    settle(host.host.propose(G1, kvCommand({ op: "put", key, value: "v" })));
  const local = put(leader, "local");
  const forwarded = put(first, "forwarded");
  const unheard = put(second, "unheard");
  await cluster.advance(5 * RESEND_INTERVAL_MS);
  expect(local.done || forwarded.done || unheard.done).toBe(false);
  // The forwarded one reached the leader's log and came back in its appends.
  expect(copiesOf(cluster, first.id, "forwarded")).toBe(1);
  // The lagging follower cannot tell, and sends again, each time waiting twice as long: at 0,
  // 200 and 600 ms (the next at 1,400), not every 200 ms.
  expect(copiesOf(cluster, leader.id, "unheard")).toBe(3);
  network.faults.isMessageLost = undefined;
  for (const host of silent) network.resume(cluster.address(host.id));
  await cluster.until(() => local.done && forwarded.done && unheard.done);
  expect([local.error, forwarded.error, unheard.error]).toEqual([undefined, undefined, undefined]);
  expect(cluster.leaderOf(G1)?.id).toBe(leader.id);
  expect([
    copiesOf(cluster, leader.id, "local"),
    copiesOf(cluster, leader.id, "forwarded"),
  ]).toEqual([1, 1]);
});

test("a forwarded command cut off on its way arrives and is applied once", async () => {
  const { cluster, leader, followers } = await nodes(3);
  const [first] = followers;
  if (first === undefined) throw new Error("no follower");
  const { network } = cluster;
  network.cutOneWay(cluster.address(first.id), cluster.address(leader.id));
  const outcome = settle(first.host.propose(G1, kvCommand({ op: "put", key: "cut", value: "1" })));
  await cluster.advance(20);
  network.heal();
  await cluster.until(() => outcome.done);
  expect(outcome.error).toBeUndefined();
  expect(copiesOf(cluster, leader.id, "cut")).toBe(1);
  await cluster.until(() => [1, 2, 3].every((id) => cluster.machineFor(id, G1).applied === 1));
});
