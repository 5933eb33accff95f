// Where a peer says it listens (PeerBatch.fromAddress) is reported for every batch addressed to
// this node, accepted or not: a node that lags behind the cluster refuses the messages of a
// member it does not know yet, and that member's address may be the only way back it will
// have. Only an accepted batch may set where traffic to a peer goes (onPeerAddress).

import { expect, test } from "bun:test";
import { nodeId } from "../../src/lib/index.ts";
import type { MembershipDirectory } from "../../src/multiraft/index.ts";
import { flush, loneHost } from "../support/host-cluster.ts";

function hostOfTwo() {
  const seenAt: string[] = [];
  const addressed: string[] = [];
  const directory: MembershipDirectory = {
    isClusterNode: (node) => node === 1 || node === 2,
    isRecordedMember: () => false,
    isRemoved: () => false,
  };
  const { host, clock } = loneHost({
    directory,
    onPeerSeenAt: (address) => seenAt.push(address),
    onPeerAddress: (_peer, address) => addressed.push(address),
  });
  return { host, clock, seenAt, addressed };
}

test("a refused batch from a node this one does not know still says where it listens", async () => {
  const { host, clock, seenAt, addressed } = hostOfTwo();
  host.receive({
    from: nodeId(6),
    to: nodeId(1),
    fromAddress: "node-6:7001",
    messages: [
      {
        type: "forward",
        groupId: 0 as never,
        requestId: 1,
        entryType: "normal",
        data: new Uint8Array([1]),
      },
    ],
  });
  clock.advance(0);
  await flush();
  expect(seenAt).toEqual(["node-6:7001"]);
  expect(addressed).toEqual([]);
  host.stop();
});

test("a batch addressed to another node reports nothing", async () => {
  const { host, clock, seenAt } = hostOfTwo();
  host.receive({ from: nodeId(6), to: nodeId(3), fromAddress: "node-6:7001", messages: [] });
  clock.advance(0);
  await flush();
  expect(seenAt).toEqual([]);
  host.stop();
});
