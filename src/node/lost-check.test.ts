import { expect, test } from "bun:test";
import type { ProtocolClient } from "../client/index-core.ts";
import { nodeId, RaftoralError } from "../lib/index.ts";
import { checkNotLost, LostNodeError } from "./lost-check.ts";
import { PeerClients } from "./peer-clients.ts";

/** Peers by address: each answers as a node of a cluster, listing lost ids, or fails. */
function clientsOf(peers: Record<string, { clusterId: string; lost: number[] } | "down">) {
  const client = (_kind: unknown, address: string) =>
    ({
      clusterStatus: async () => {
        const peer = peers[address];
        if (peer === undefined || peer === "down") {
          throw new RaftoralError("UNAVAILABLE", `${address} is down`);
        }
        return { clusterId: peer.clusterId, nodeId: nodeId(1), lostNodeIds: peer.lost.map(nodeId) };
      },
      close: async () => undefined,
    }) as unknown as ProtocolClient;
  return new PeerClients(client);
}

const check = (peers: Parameters<typeof clientsOf>[0]) =>
  checkNotLost({
    self: nodeId(2),
    clusterId: "ours",
    peers: Object.keys(peers),
    transport: "grpc",
    clients: clientsOf(peers),
  });

test("one node of the cluster listing this node as lost is enough, whatever the others say", async () => {
  const failure = await check({
    "stale:7003": { clusterId: "ours", lost: [] },
    "down:7004": "down",
    "survivor:7001": { clusterId: "ours", lost: [2, 3] },
  }).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(LostNodeError);
  expect(failure).toMatchObject({ code: "STALE_INCARNATION", nodeId: 2 });
  expect((failure as Error).message).toContain(
    "survivor:7001 (node 1) lists node 2 as left behind",
  );
});

test("no answer, another cluster's answer, or other lost ids: the node goes on", async () => {
  await check({ "down:7004": "down" });
  await check({ "other:7001": { clusterId: "theirs", lost: [2] } });
  await check({ "survivor:7001": { clusterId: "ours", lost: [3] } });
  await check({});
});
