// An empty batch (PeerSenders.announce: a restarted node saying it is back) tells the host that
// its sender is up, so that sending to it resumes and the groups it leads heartbeat the sender
// at once; it is not taken as a sign of liveness, and a node that is not of the cluster
// announces nothing.

import { expect, test } from "bun:test";
import { groupId, type NodeId, nodeId } from "../../src/lib/index.ts";
import type { MembershipDirectory } from "../../src/multiraft/index.ts";
import { clusterWithGroups, flush, loneHost } from "../support/host-cluster.ts";

function hostKnowing(clusterNodes: readonly number[]) {
  const heard: NodeId[] = [];
  const directory: MembershipDirectory = {
    isClusterNode: (node) => clusterNodes.includes(node),
    isRecordedMember: () => true,
    isRemoved: () => false,
  };
  const { host, clock } = loneHost({ directory, onPeerHeard: (peer) => heard.push(peer) });
  return { host, heard, clock };
}

test("an empty batch from a node of the cluster is heard, but is no sign of liveness", async () => {
  const { host, heard, clock } = hostKnowing([1, 2]);
  host.receive({ from: nodeId(2), to: nodeId(1), messages: [] });
  clock.advance(0);
  await flush();
  expect(heard).toEqual([nodeId(2)]);
  expect(host.hearing.lastHeardMs(nodeId(2))).toBeUndefined();
  host.stop();
});

test("an empty batch from a node the cluster does not have is ignored", async () => {
  const { host, heard, clock } = hostKnowing([1, 2]);
  host.receive({ from: nodeId(7), to: nodeId(1), messages: [] });
  clock.advance(0);
  await flush();
  expect(heard).toEqual([]);
  host.stop();
});

test("an empty batch from a member makes each group led here heartbeat it at once", async () => {
  const cluster = await clusterWithGroups([groupId(1), groupId(2)]);
  try {
    const leader = cluster.leaderOf(groupId(1));
    const other = [...cluster.hosts.values()].find((host) => host !== leader);
    if (leader === undefined || other === undefined) throw new Error("no leader elected");
    const led = [groupId(1), groupId(2)].filter((group) => cluster.leaderOf(group) === leader);
    // Sent or queued behind a batch still on its way: what the leader handed its sender.
    const sentToOther = () => {
      const counts = leader.senders.perPeer().find((peer) => peer.peer === other.id);
      return (counts?.sentMessages ?? 0) + (counts?.queued ?? 0);
    };
    const before = sentToOther();
    // No time passes: the heartbeats are the batch's doing, not a tick's.
    leader.host.receive({ from: other.id, to: leader.id, messages: [] });
    cluster.clock.advance(0);
    await flush();
    expect(sentToOther()).toBe(before + led.length);
  } finally {
    for (const testHost of cluster.hosts.values()) testHost.host.stop();
  }
});
