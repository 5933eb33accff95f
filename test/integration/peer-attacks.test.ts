// Issue 15, item 3, at the process level: requests anyone who reaches a node's port can send.
// Each was reproduced against the old behaviour first:
//   - one forged batch (sender 99, a RequestVoteResponse with term 2^52 for group 0 and one
//     for group 1) wedged the whole cluster for good while /health still said ok;
//   - a batch claiming to come from node 1 with another fromAddress redirected node 1's
//     traffic to that address;
//   - a batch from another cluster was taken like any other.
// Real node processes on loopback, attacked through our own peer transports (the same bytes
// curl or grpcurl would send).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, type Server } from "node:net";
import { GrpcProtocolClient, HttpProtocolClient } from "../../src/client/index.ts";
import { groupId, MANAGEMENT_GROUP, nodeId, term } from "../../src/lib/index.ts";
import type { RaftMessage } from "../../src/raft/index.ts";
import { GrpcPeerTransport } from "../../src/transport/grpc/index.ts";
import { HttpPeerTransport } from "../../src/transport/http/index.ts";
import type { PeerBatch, PeerMessage, PeerTransport } from "../../src/transport/index.ts";
import { openRecorded } from "../contracts/peer-stream.contract.ts";
import { type NodeProcess, NodeProcessCluster } from "../support/node-process-cluster.ts";
import { freePort } from "../support/ports.ts";

function client(transport: "grpc" | "http", address: string) {
  return transport === "grpc" ? new GrpcProtocolClient(address) : new HttpProtocolClient(address);
}

/** A workflow started and finished through `node` within the deadline. */
async function runsWorkflow(transport: "grpc" | "http", node: NodeProcess): Promise<string> {
  const caller = client(transport, node.address);
  try {
    const outcome = await caller.runWorkflow(
      { workflowType: "ping_pong", version: 1, input: "ping" },
      { timeoutMs: 20_000 },
    );
    return outcome.success ? JSON.stringify(outcome.output) : `failed: ${outcome.failure.message}`;
  } finally {
    await caller.close();
  }
}

function forgedVoteAnswer(group: number, from: number, to: number): PeerMessage {
  const message: RaftMessage = {
    type: "RequestVoteResponse",
    from: nodeId(from),
    to: nodeId(to),
    term: term(2 ** 52),
    voteGranted: true,
  };
  return { type: "raft", groupId: groupId(group), message };
}

describe.each(["http", "grpc"] as const)("peer attacks over %s", (transport) => {
  const cluster = new NodeProcessCluster(transport);
  let peer: PeerTransport;
  const ids: number[] = [];

  beforeAll(async () => {
    for (let k = 0; k < 3; k++) await cluster.add();
    for (const node of cluster.nodes) ids.push(cluster.nodeId(node));
    peer = transport === "grpc" ? new GrpcPeerTransport() : new HttpPeerTransport();
  }, 60_000);

  afterAll(async () => {
    await peer.close();
    await cluster.stop();
  });

  test("one forged batch from a stranger with term 2^52 leaves every node serving", async () => {
    const target = cluster.nodes[1] as NodeProcess;
    const to = cluster.nodeId(target);
    const batch: PeerBatch = {
      from: nodeId(99),
      to: nodeId(to),
      messages: [forgedVoteAnswer(0, 99, to), forgedVoteAnswer(1, 99, to)],
    };
    await peer.deliver(target.address, batch, 5_000);
    // Past an election timeout and more: a wedged group would have shown it by now.
    await Bun.sleep(3_000);
    for (const node of cluster.nodes) {
      expect(await runsWorkflow(transport, node)).toBe('"pong"');
    }
  }, 120_000);

  test("a batch claiming to be node 1 cannot redirect node 1's traffic elsewhere", async () => {
    let connections = 0;
    const trap: Server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    const trapPort = await freePort();
    await new Promise<void>((resolve) => trap.listen(trapPort, "127.0.0.1", resolve));
    try {
      const target = cluster.nodes[1] as NodeProcess;
      const from = ids[0] ?? 1;
      const to = cluster.nodeId(target);
      // A stale heartbeat of group 0: harmless in itself, and enough to count as heard.
      const heartbeat: RaftMessage = {
        type: "Heartbeat",
        from: nodeId(from),
        to: nodeId(to),
        term: term(1),
        leaderCommit: 0 as never,
        readContext: "",
      };
      await peer.deliver(
        target.address,
        {
          from: nodeId(from),
          to: nodeId(to),
          fromAddress: `127.0.0.1:${trapPort}`,
          messages: [{ type: "raft", groupId: MANAGEMENT_GROUP, message: heartbeat }],
        },
        5_000,
      );
      for (const node of cluster.nodes) {
        expect(await runsWorkflow(transport, node)).toBe('"pong"');
      }
      await Bun.sleep(1_000);
      expect(connections).toBe(0);
    } finally {
      trap.close();
    }
  }, 120_000);

  test("a registration of an address that is no host:port is refused; nothing is added", async () => {
    const target = cluster.nodes[0] as NodeProcess;
    const caller = client(transport, target.address);
    try {
      const refusal = await caller
        .register({ nodeId: nodeId(0), address: "not an address" }, { timeoutMs: 5_000 })
        .catch((error: unknown) => error);
      expect(refusal).toMatchObject({ code: "INVALID_ARGUMENT" });
      expect((refusal as Error).message).toContain(
        "cannot register address 'not an address': expected host:port",
      );
      const status = await caller.clusterStatus({ timeoutMs: 5_000 });
      expect(status.nodes.map((node) => node.address)).toEqual(
        cluster.nodes.map((node) => node.address),
      );
    } finally {
      await caller.close();
    }
  }, 30_000);

  test("a batch from another cluster is refused, naming both clusters", async () => {
    const target = cluster.nodes[2] as NodeProcess;
    const to = cluster.nodeId(target);
    const batch: PeerBatch = {
      from: nodeId(ids[0] ?? 1),
      to: nodeId(to),
      clusterId: "another-cluster",
      messages: [{ type: "unknownGroup", groupId: groupId(1) }],
    };
    const refusal = await peer.deliver(target.address, batch, 5_000).then(
      () => undefined,
      (error: Error & { code?: string }) => error,
    );
    expect(refusal?.code).toBe("FAILED_PRECONDITION");
    expect(refusal?.message).toContain("another-cluster");
  }, 30_000);

  test("over a peer stream: forged batches change nothing, another cluster's ends the stream", async () => {
    const target = cluster.nodes[0] as NodeProcess;
    const to = cluster.nodeId(target);
    const stream = openRecorded(peer, target.address);
    await stream.opened;
    for (let k = 0; k < 50; k++) {
      stream.stream.send({
        from: nodeId(99),
        to: nodeId(to),
        messages: [forgedVoteAnswer(0, 99, to), forgedVoteAnswer(1, 99, to)],
      });
    }
    stream.stream.send({
      from: nodeId(ids[1] ?? 2),
      to: nodeId(to),
      clusterId: "another-cluster",
      messages: [{ type: "unknownGroup", groupId: groupId(1) }],
    });
    const ended = await stream.closed;
    expect(ended?.code).toBe("FAILED_PRECONDITION");
    expect(ended?.message).toContain("another-cluster");
    await Bun.sleep(3_000);
    for (const node of cluster.nodes) {
      expect(await runsWorkflow(transport, node)).toBe('"pong"');
    }
  }, 120_000);
});
