// An empty batch (PeerSenders.announce: a restarted node saying it is back) tells the host that
// its sender is up, so that sending to it resumes; it is not taken as a sign of liveness, and
// a node that is not of the cluster announces nothing.

import { expect, test } from "bun:test";
import { type NodeId, nodeId } from "../../src/lib/index.ts";
import type { MembershipDirectory } from "../../src/multiraft/index.ts";
import { flush, loneHost } from "../support/host-cluster.ts";

function hostKnowing(clusterNodes: readonly number[]) {
  const heard: NodeId[] = [];
  const directory: MembershipDirectory = {
    isClusterNode: (node) => clusterNodes.includes(node),
    isRecordedMember: () => true,
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
  expect(host.lastHeardMs(nodeId(2))).toBeUndefined();
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
