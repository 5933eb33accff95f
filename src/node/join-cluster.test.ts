import { expect, test } from "bun:test";
import type { ProtocolClient } from "../client/index-core.ts";
import { createLogger, groupId, nodeId, RaftoralError, VirtualClock } from "../lib/index.ts";
import { probeForCluster, registerAgain, registerNode } from "./join-cluster.ts";
import { PeerClients } from "./peer-clients.ts";
import { LostNodeError } from "./restart-check.ts";

/** Peers by address, each answering as a node of `clusterId`; records who was registered with. */
function peersOf(clusters: Record<string, string>) {
  const registeredWith: string[] = [];
  const client = (_kind: unknown, address: string) =>
    ({
      clusterStatus: async () => ({ clusterId: clusters[address], nodes: [] }),
      register: async () => {
        registeredWith.push(address);
        return { nodeId: nodeId(4) };
      },
      discover: async () => ({ highestKnownNodeId: nodeId(9) }),
      close: async () => undefined,
    }) as unknown as ProtocolClient;
  return { client, registeredWith };
}

/** How the tests make a peer's client (PeerClients' factory). */
type ClientFactory = ConstructorParameters<typeof PeerClients>[0];

/** Node 4 at me:7001, of cluster `clusterId`, registers again through `peers`. */
const again = (
  client: ClientFactory,
  clusterId: string,
  peers = ["old:7001", "ours:7001"],
  logger = createLogger({ level: "error", format: "text", write: () => undefined }),
) =>
  registerAgain({
    peers,
    transport: "grpc",
    clients: new PeerClients(client),
    logger,
    request: { nodeId: nodeId(4), address: "me:7001" },
    clusterId,
    callTimeoutMs: 1_000,
    onLost: () => undefined,
  });

/** A peer of cluster "ours" that lists node 4 at me:7001 and knows management leader `leader`. */
function listingPeer(leader: number, register: () => Promise<unknown>) {
  return () =>
    ({
      clusterStatus: async () => ({
        clusterId: "ours",
        managementLeaderNodeId: nodeId(leader),
        nodes: [{ nodeId: nodeId(4), address: "me:7001" }],
      }),
      register,
      discover: async () => ({ highestKnownNodeId: nodeId(9) }),
      close: async () => undefined,
    }) as unknown as ProtocolClient;
}

/** Node me:7001 joins through "leader:7001", then "second:7001", asking for `requestedId`. */
const join = (client: ClientFactory, requestedId: number) =>
  registerNode(joinOptions(client, requestedId));

function joinOptions(client: ClientFactory, requestedId: number) {
  return {
    transport: "grpc",
    // Discovery was answered by the leader itself.
    peer: "leader:7001",
    peers: ["leader:7001", "second:7001"],
    discovery: { managementLeaderAddress: "leader:7001" } as never,
    address: "me:7001",
    listen: "me:7001",
    requestedId: nodeId(requestedId),
    workflowFingerprint: "f",
    instanceId: "i",
    securityProfile: undefined,
    clock: new VirtualClock(),
    timeoutMs: 30_000,
    timing: { callTimeoutMs: 1_000, retryDelayMs: 100 },
    clients: new PeerClients(client),
    logger: createLogger({ level: "error", format: "text", write: () => undefined }),
  } as const;
}

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

test("a peer answering that the id is lost for good stops the node: no other peer is asked", async () => {
  const asked: string[] = [];
  const lost: Error[] = [];
  const client = (_kind: unknown, address: string) =>
    ({
      clusterStatus: async () => ({ clusterId: "ours", nodes: [] }),
      register: async () => {
        asked.push(address);
        throw new RaftoralError("FAILED_PRECONDITION", "node 4 was left behind", {
          isAnswer: true,
        });
      },
      close: async () => undefined,
    }) as unknown as ProtocolClient;
  const failure = await registerAgain({
    peers: ["a:7001", "b:7001"],
    transport: "grpc",
    clients: new PeerClients(client),
    logger: createLogger({ level: "error", format: "text", write: () => undefined }),
    request: { nodeId: nodeId(4), address: "me:7001" },
    clusterId: "ours",
    callTimeoutMs: 1_000,
    onLost: (error) => lost.push(error),
  }).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(LostNodeError);
  expect(failure).toMatchObject({ code: "STALE_INCARNATION" });
  expect((failure as Error).message).toContain("node 4 was left behind");
  expect(lost).toEqual([failure as Error]);
  expect(asked).toEqual(["a:7001"]);
});

test("a refusal the cluster answers is logged as a warning; an unreachable peer at debug", async () => {
  const lines: string[] = [];
  const client = (_kind: unknown, address: string) =>
    ({
      clusterStatus: async () => {
        if (address === "down:7001") throw new RaftoralError("UNAVAILABLE", "connection refused");
        return { clusterId: "ours", nodes: [] };
      },
      register: async () => {
        throw new RaftoralError("INVALID_ARGUMENT", "this node's workflow set differs", {
          isAnswer: true,
        });
      },
      close: async () => undefined,
    }) as unknown as ProtocolClient;
  const registered = await registerAgain({
    peers: ["down:7001", "up:7001"],
    transport: "grpc",
    clients: new PeerClients(client),
    logger: createLogger({ level: "debug", format: "text", write: (line) => lines.push(line) }),
    request: { nodeId: nodeId(4), address: "me:7001" },
    clusterId: "ours",
    callTimeoutMs: 1_000,
    onLost: () => undefined,
  });
  expect(registered).toBeUndefined();
  expect(lines).toEqual([
    "DEBUG Could not register again through a peer, peer: down:7001, error: connection refused",
    "WARN Could not register again through a peer, peer: up:7001, error: this node's workflow set differs",
  ]);
});

test("a node the cluster still lists registers nothing: an earlier run of it registered it", async () => {
  const lines: string[] = [];
  let registered = 0;
  // As the management group answers a process other than the one that registered the id.
  const client = listingPeer(1, async () => {
    registered++;
    throw new RaftoralError("ALREADY_EXISTS", "restarted without --storage-path?", {
      isAnswer: true,
    });
  });
  const logger = createLogger({ level: "info", format: "text", write: (l) => lines.push(l) });
  expect(await again(client, "ours", ["up:7001"], logger)).toBe(nodeId(9));
  expect(registered).toBe(0);
  expect(lines).toEqual([
    "INFO The cluster still lists this node; nothing to register, node_id: 4, via: up:7001",
  ]);
});

test("a peer without a management leader is not believed: it may have been removed too", async () => {
  let registered = 0;
  // A node the cluster removed with this one: its list stopped where the cluster left it.
  const client = listingPeer(0, async () => {
    registered++;
    return { nodeId: nodeId(4) };
  });
  await again(client, "ours", ["removed-too:7001"]);
  expect(registered).toBe(1);
});

test("a join whose management leader died goes on through the other peers", async () => {
  const asked: string[] = [];
  const client = (_kind: unknown, address: string) =>
    ({
      register: async () => {
        asked.push(address);
        if (address === "leader:7001") throw new RaftoralError("UNAVAILABLE", "ECONNREFUSED");
        return { nodeId: nodeId(4) };
      },
      close: async () => undefined,
    }) as unknown as ProtocolClient;
  expect(await join(client, 0)).toBe(nodeId(4));
  expect(asked).toEqual(["leader:7001", "second:7001"]);
});

test("a node back with an empty disk at its old address does not register through itself", async () => {
  const asked: string[] = [];
  const client = (_kind: unknown, address: string) =>
    ({
      register: async () => {
        asked.push(address);
        if (address === "me:7001")
          throw new RaftoralError("UNAVAILABLE", "this node is still starting");
        return { nodeId: nodeId(4) };
      },
      close: async () => undefined,
    }) as unknown as ProtocolClient;
  // Discovery named it (the member it was) as a peer; --peers too.
  const joined = registerNode({
    ...joinOptions(client, 0),
    peers: ["me:7001", "second:7001"],
    discovery: { managementLeaderAddress: "me:7001" } as never,
  });
  expect(await joined).toBe(nodeId(4));
  expect(asked).toEqual(["leader:7001"]);
});

// Execution cluster 2 still counts removed node 5 as a voter (returning-id.ts).
test("a join under a removed id a group still counts is refused before it registers; a join without an id is not checked", async () => {
  const calls: string[] = [];
  const client = () =>
    ({
      clusterStatus: async () => {
        calls.push("status");
        return {
          nodes: [1, 2, 3, 4].map((id) => ({ nodeId: nodeId(id) })),
          groups: [{ groupId: groupId(2), voters: [4, 5, 6].map(nodeId) }],
        };
      },
      register: async () => {
        calls.push("register");
        return { nodeId: nodeId(8) };
      },
      close: async () => undefined,
    }) as unknown as ProtocolClient;
  await expect(join(client, 5)).rejects.toThrow("still counts it as a voter");
  expect(calls).toEqual(["status"]);
  expect(await join(client, 0)).toBe(nodeId(8));
  expect(await join(client, 7)).toBe(nodeId(8));
  expect(calls).toEqual(["status", "register", "status", "register"]);
});

test("before founding a cluster: a peer not up is in none, one settling who founds says so, one that took no answer may be in one", async () => {
  const client = (_kind: unknown, address: string) =>
    ({
      discover: async () => {
        if (address.startsWith("down")) throw new RaftoralError("UNAVAILABLE", "ECONNREFUSED");
        if (address.startsWith("paused")) throw new RaftoralError("TIMEOUT", "no answer");
        if (address.startsWith("starting")) {
          throw new RaftoralError("UNAVAILABLE", "still starting", { isAnswer: true });
        }
        if (address.startsWith("candidate")) {
          return {
            nodeId: nodeId(0),
            managementLeaderNodeId: nodeId(0),
            address,
            founding: "candidate",
          };
        }
        return {
          nodeId: nodeId(2),
          managementLeaderNodeId: nodeId(2),
          managementLeaderAddress: address,
          transport: "grpc",
        };
      },
      close: async () => undefined,
    }) as unknown as ProtocolClient;
  const probe = (peers: string[]) =>
    probeForCluster({
      peers,
      preferred: "grpc",
      timing: { callTimeoutMs: 1_000, retryDelayMs: 100 },
      clients: new PeerClients(client),
    });
  expect(await probe(["down:1", "starting:1"])).toEqual({ kind: "none", candidates: [] });
  expect(await probe(["candidate:1", "down:1"])).toEqual({
    kind: "none",
    candidates: [{ address: "candidate:1", founding: "candidate" }],
  });
  expect(await probe(["paused:1", "down:1"])).toEqual({ kind: "unanswered", peers: ["paused:1"] });
  expect(await probe(["paused:1", "member:1"])).toMatchObject({
    kind: "found",
    found: { peer: "member:1" },
  });
});
