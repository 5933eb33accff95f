import { expect, test } from "bun:test";
import type { ProtocolClient } from "../client/index-core.ts";
import { createLogger, type NodeId, nodeId } from "../lib/index.ts";
import { PeerClients } from "./peer-clients.ts";
import { Rejoin } from "./rejoin.ts";

/** A peer of cluster "ours" whose registrations each wait until the test lets them answer. */
function slowPeer() {
  const answers: (() => void)[] = [];
  const client = () =>
    ({
      clusterStatus: async () => ({ clusterId: "ours", managementLeaderNodeId: 0, nodes: [] }),
      register: () => new Promise((resolve) => answers.push(() => resolve({ nodeId: nodeId(4) }))),
      discover: async () => ({ highestKnownNodeId: nodeId(9) }),
      close: async () => undefined,
    }) as unknown as ProtocolClient;
  return { client, answers };
}

function rejoinThrough(peer: ReturnType<typeof slowPeer>, isLeaving = () => false) {
  const highest: NodeId[] = [];
  const rejoin = new Rejoin({
    ...{ self: nodeId(4), address: "me:7001", instance: "i", transport: "grpc" },
    peers: () => ["ours:7001"],
    clusterId: () => "ours",
    workflowFingerprint: () => "f",
    clients: new PeerClients(peer.client),
    logger: createLogger({ level: "error", format: "text", write: () => undefined }),
    callTimeoutMs: 1_000,
    onLost: () => undefined,
    isLeaving,
    storage: { loadIdentity: async () => undefined, saveIdentity: async () => undefined },
    onHighestNodeId: (id) => highest.push(id),
  });
  return { rejoin, highest };
}

/** Lets the event loop run until `isDone`, for the fake peer's promise chains. */
async function until(isDone: () => boolean): Promise<void> {
  for (let turns = 0; !isDone(); turns++) {
    if (turns > 1_000) throw new Error("the condition never held");
    await Promise.resolve();
  }
}

test("requests made while a registration runs share it; a later one registers again", async () => {
  const peer = slowPeer();
  const { rejoin, highest } = rejoinThrough(peer);
  const first = rejoin.run();
  const second = rejoin.run();
  await until(() => peer.answers.length > 0);
  const third = rejoin.run();
  peer.answers[0]?.();
  await Promise.all([first, second, third]);
  expect(peer.answers.length).toBe(1);
  expect(highest).toEqual([nodeId(9)]);

  const later = rejoin.run();
  await until(() => peer.answers.length > 1);
  peer.answers[1]?.();
  await later;
  expect(peer.answers.length).toBe(2);
});

test("a node on its way out does not register again", async () => {
  const peer = slowPeer();
  const { rejoin, highest } = rejoinThrough(peer, () => true);
  await rejoin.run();
  expect(peer.answers.length).toBe(0);
  expect(highest).toEqual([]);
});
