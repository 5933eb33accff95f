import { expect, test } from "bun:test";
import type { ProtocolClient } from "../client/index-core.ts";
import { createLogger, nodeId } from "../lib/index.ts";
import { registerAgain } from "./join-cluster.ts";
import { PeerClients } from "./peer-clients.ts";

/** Peers by address, each answering as a node of `clusterId`; records who was registered with. */
function peersOf(clusters: Record<string, string>) {
  const registeredWith: string[] = [];
  const client = (_kind: unknown, address: string) =>
    ({
      clusterStatus: async () => ({ clusterId: clusters[address] }),
      register: async () => {
        registeredWith.push(address);
        return { nodeId: nodeId(4) };
      },
      discover: async () => ({ highestKnownNodeId: nodeId(9) }),
      close: async () => undefined,
    }) as unknown as ProtocolClient;
  return { client, registeredWith };
}

const again = (client: ReturnType<typeof peersOf>["client"], clusterId: string) =>
  registerAgain({
    peers: ["old:7001", "ours:7001"],
    transport: "grpc",
    clients: new PeerClients(client),
    logger: createLogger({ level: "error", format: "text", write: () => undefined }),
    request: { nodeId: nodeId(4), address: "me:7001" },
    clusterId,
    callTimeoutMs: 1_000,
  });

test("a peer that now belongs to another cluster is skipped", async () => {
  const { client, registeredWith } = peersOf({ "old:7001": "other", "ours:7001": "ours" });
  expect(await again(client, "ours")).toBe(nodeId(9));
  expect(registeredWith).toEqual(["ours:7001"]);
});

test("no peer of this node's cluster answers: nothing is registered", async () => {
  const { client, registeredWith } = peersOf({ "old:7001": "other", "ours:7001": "third" });
  expect(await again(client, "ours")).toBeUndefined();
  expect(registeredWith).toEqual([]);
});
