// Commands a follower made while it knew no leader wait for one; when it learns the leader
// it forwards them, once. Sending every command in flight again on a leader change is for
// the ones sent to an earlier leader, which may have lost them: not for those just sent to
// the new one, which the leader would append twice (applied once, but replicated and written
// twice, a burst at every failover under load).

import { expect, test } from "bun:test";
import { groupId, nodeId } from "../../src/lib/index.ts";
import { decodeEnvelope } from "../../src/multiraft/command-envelope.ts";
import { HostCluster, settle } from "../support/host-cluster.ts";
import { kvCommand } from "../support/kv-state-machine.ts";

const G1 = groupId(1);

test("commands made before any leader is known reach the leader's log once each", async () => {
  const cluster = new HostCluster();
  const voters = [1, 2, 3].map(nodeId);
  const hosts = [];
  for (const id of [1, 2, 3]) hosts.push(await cluster.startNode(id));
  const created = hosts.map((node) =>
    node.host.createGroup(G1, { mode: "bootstrap", voters }, cluster.machineFor(node.id, G1)),
  );
  await cluster.advance(1);
  await Promise.all(created);
  expect(cluster.leaderOf(G1)).toBeUndefined();
  // Five commands on each node, all made before the first election: they wait for a leader.
  const puts = hosts.flatMap((node) =>
    Array.from({ length: 5 }, (_, k) =>
      settle(node.host.propose(G1, kvCommand({ op: "put", key: `${node.id}-${k}`, value: "v" }))),
    ),
  );
  await cluster.until(() => puts.every((put) => put.done));
  expect(puts.map((put) => put.error)).toEqual(puts.map(() => undefined));

  const leader = cluster.leaderOf(G1);
  const entries = leader?.store.groups.get(G1)?.entries ?? [];
  const commands = entries.filter(
    (entry) => entry.type === "normal" && decodeEnvelope(entry.data) !== undefined,
  );
  // Before: 30, each command appended a second time right after the first.
  expect(commands.length).toBe(15);
});
