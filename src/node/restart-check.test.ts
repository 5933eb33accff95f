import { describe, expect, test } from "bun:test";
import type { ProtocolClient } from "../client/index-core.ts";
import { createLogger, logIndex, nodeId, RaftoralError, VirtualClock } from "../lib/index.ts";
import { emptyManagementState, type NodeRecord } from "../management/index.ts";
import { LOST_CHECK_INTERVAL_MS, LostWatch } from "./lost-watch.ts";
import { PeerClients } from "./peer-clients.ts";
import { checkRestartStanding, LostNodeError } from "./restart-check.ts";

interface Answer {
  clusterId: string;
  lost: number[];
  /** The nodes it lists; this node (2) and node 1 unless said. */
  listed?: number[];
  /** Its own id; 1 unless said. */
  self?: number;
}

/** Peers by address: each answers as a node of a cluster, listing nodes and lost ids, or fails. */
function clientsOf(peers: Record<string, Answer | "down">) {
  const client = (_kind: unknown, address: string) =>
    ({
      clusterStatus: async () => {
        const peer = peers[address];
        if (peer === undefined || peer === "down") {
          throw new RaftoralError("UNAVAILABLE", `${address} is down`);
        }
        return {
          clusterId: peer.clusterId,
          nodeId: nodeId(peer.self ?? 1),
          nodes: (peer.listed ?? [1, 2]).map((id) => ({ nodeId: nodeId(id) })),
          lostNodeIds: peer.lost.map(nodeId),
        };
      },
      close: async () => undefined,
    }) as unknown as ProtocolClient;
  return new PeerClients(client);
}

/** The lines the check logged. */
let logged: string[] = [];

/** Node 2 asks `peers`; its management state lists `members`. */
const check = (peers: Parameters<typeof clientsOf>[0], members = [1, 2, 3]) => {
  logged = [];
  return checkRestartStanding({
    self: nodeId(2),
    clusterId: "ours",
    peers: Object.keys(peers),
    transport: "grpc",
    clients: clientsOf(peers),
    isMember: (node) => members.includes(node),
    logger: createLogger({ level: "info", format: "text", write: (line) => logged.push(line) }),
  });
};

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
  const listed = { isUnlisted: false };
  expect(await check({ "down:7004": "down" })).toEqual(listed);
  expect(await check({ "other:7001": { clusterId: "theirs", lost: [2] } })).toEqual(listed);
  expect(await check({ "survivor:7001": { clusterId: "ours", lost: [3] } })).toEqual(listed);
  expect(await check({})).toEqual(listed);
});

test("one node of the cluster that no longer lists this node says it was removed", async () => {
  const removed = await check({
    "stale:7003": { clusterId: "ours", lost: [] },
    "down:7004": "down",
    "leader:7001": { clusterId: "ours", lost: [], listed: [1, 3] },
  });
  expect(removed).toEqual({ isUnlisted: true });
  // Another cluster's node lists other nodes: that says nothing of this one.
  const stranger = await check({ "other:7001": { clusterId: "theirs", lost: [], listed: [1] } });
  expect(stranger).toEqual({ isUnlisted: false });
});

test("a node this node's cluster removed is not believed when it says this node was left behind", async () => {
  // Node 5 was cut off, removed, and then forced a recovery that left the rest behind.
  const standing = await check(
    {
      "cutoff:7005": { clusterId: "ours", lost: [1, 2, 3], self: 5, listed: [5] },
      "leader:7001": { clusterId: "ours", lost: [], listed: [1, 2, 3] },
    },
    [1, 2, 3],
  );
  expect(standing).toEqual({ isUnlisted: false });
  expect(logged).toHaveLength(1);
  expect(logged[0]).toContain(
    "Node 5 (cutoff:7005) lists this node as left behind by a forced recovery, but this node's cluster removed node 5: ignored, and two copies of the cluster serve",
  );
  // Nor does its list of nodes say this one was removed: it is not this node's cluster.
  const disowned = await check(
    { "cutoff:7005": { clusterId: "ours", lost: [], self: 5, listed: [5] } },
    [1, 2, 3],
  );
  expect(disowned).toEqual({ isUnlisted: false });
  // The same word from a node the cluster still has stops this one.
  const failure = await check(
    { "cutoff:7005": { clusterId: "ours", lost: [1, 2, 3], self: 5, listed: [5] } },
    [1, 2, 3, 5],
  ).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(LostNodeError);
});

/** Node `id` as the management state records it. */
function nodeRecordOf(id: number): NodeRecord {
  return {
    id: nodeId(id),
    address: `node${id}:7001`,
    registeredAt: logIndex(id),
    instance: "",
    incarnation: 0,
    incarnationNonce: "",
    workflowFingerprint: "",
    rulesVersion: 0,
  };
}

describe("the lost watch of a running node", () => {
  /** A watch of node 2 over `peers` (leaving, if `isLeaving`), asked once; what it did. */
  async function watchOnce(peers: Parameters<typeof clientsOf>[0], isLeaving = false) {
    const clock = new VirtualClock();
    const did = { removed: 0, lost: [] as LostNodeError[] };
    const watch = new LostWatch({
      self: nodeId(2),
      peers: () => Object.keys(peers),
      state: () => ({
        ...emptyManagementState(),
        clusterId: "ours",
        nodes: new Map([1, 2].map((id) => [nodeId(id), nodeRecordOf(id)])),
      }),
      transport: "grpc",
      clients: clientsOf(peers),
      clock,
      logger: createLogger({ level: "error", format: "text", write: () => undefined }),
      onLost: (error) => did.lost.push(error),
      onRemoved: async () => {
        did.removed++;
      },
      isLeaving: () => isLeaving,
    });
    watch.start();
    clock.advance(LOST_CHECK_INTERVAL_MS);
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
    watch.stop();
    return did;
  }

  test("a node of the cluster that no longer lists it makes it register again", async () => {
    const removed = await watchOnce({
      "leader:7001": { clusterId: "ours", lost: [], listed: [1] },
    });
    expect(removed).toEqual({ removed: 1, lost: [] });
    const listed = await watchOnce({ "leader:7001": { clusterId: "ours", lost: [] } });
    expect(listed).toEqual({ removed: 0, lost: [] });
  });

  test("a leaving node that the cluster no longer lists does not register again", async () => {
    const leaving = await watchOnce(
      { "leader:7001": { clusterId: "ours", lost: [], listed: [1] } },
      true,
    );
    expect(leaving).toEqual({ removed: 0, lost: [] });
  });

  test("a node of the cluster that lists it as left behind stops it", async () => {
    const did = await watchOnce({ "survivor:7001": { clusterId: "ours", lost: [2] } });
    expect(did.removed).toBe(0);
    expect(did.lost[0]).toBeInstanceOf(LostNodeError);
  });
});
