// Real node processes on loopback, SQLite storage, each transport: cluster formation, SIGKILL
// of the management leader, restart from storage with the original command line, and a
// multi-step workflow whose owner is killed in the middle.

import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import {
  GrpcProtocolClient,
  HttpProtocolClient,
  type ProtocolClient,
} from "../../src/client/index.ts";
import { NodeProcessCluster } from "../support/node-process-cluster.ts";

let cluster: NodeProcessCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

const WORKFLOWS = join(import.meta.dir, "fixtures", "multi-step-workflows.ts");

function client(transport: "grpc" | "http", address: string): ProtocolClient {
  return transport === "grpc" ? new GrpcProtocolClient(address) : new HttpProtocolClient(address);
}

async function managementLeader(transport: "grpc" | "http", address: string): Promise<number> {
  const peer = client(transport, address);
  try {
    return (await peer.discover({ timeoutMs: 2_000 })).managementLeaderNodeId;
  } catch {
    // Handled: a node that does not answer yet counts as knowing no leader.
    return 0;
  } finally {
    await peer.close();
  }
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

describe.each(["grpc", "http"] as const)("node processes over %s", (transport) => {
  test("three nodes form a cluster; the management leader is killed and replaced; a node restarts from storage", async () => {
    cluster = new NodeProcessCluster(transport);
    const current = cluster;
    const nodes = [await current.add(), await current.add(), await current.add()];
    expect(nodes.map((node) => current.nodeId(node))).toEqual([1, 2, 3]);
    const first = client(transport, nodes[0]?.address ?? "");
    const discovery = await first.discover({ timeoutMs: 5_000 });
    await first.close();
    expect(discovery.highestKnownNodeId).toBe(3 as never);
    await until("three voters", async () => {
      const peer = client(transport, nodes[0]?.address ?? "");
      const info = await peer.discover({ timeoutMs: 2_000 });
      await peer.close();
      return info.currentVoterCount === 3 ? true : undefined;
    });
    const leaderId = await managementLeader(transport, nodes[0]?.address ?? "");
    const leader = nodes.find((node) => current.nodeId(node) === leaderId);
    if (leader === undefined) throw new Error("no management leader");
    const killedAt = performance.now();
    await current.kill(leader);
    const survivor = nodes.find((node) => node !== leader);
    const newLeader = await until("a new management leader", async () => {
      const id = await managementLeader(transport, survivor?.address ?? "");
      return id !== 0 && id !== leaderId ? id : undefined;
    });
    console.log(
      `[${transport}] management leader ${leaderId} killed; node ${newLeader} leads after ${Math.round(performance.now() - killedAt)} ms`,
    );
    await current.launch(leader);
    expect(current.nodeId(leader)).toBe(leaderId);
    expect(leader.log).toContain("Resumed from storage");
  }, 120_000);

  test("a ten-step workflow finishes on another node after its owner is killed; results survive a full restart", async () => {
    cluster = new NodeProcessCluster(transport, ["--workflows", WORKFLOWS]);
    const current = cluster;
    const nodes = [await current.add(), await current.add(), await current.add()];
    await until("group 1 with three voters", async () => {
      const peer = client(transport, nodes[0]?.address ?? "");
      try {
        const started = await peer.startWorkflow(
          { workflowType: "ping_pong", version: 1, input: "ping" },
          { timeoutMs: 5_000 },
        );
        return started.workflowId !== "" ? true : undefined;
      } finally {
        await peer.close();
      }
    });
    const starter = client(transport, nodes[1]?.address ?? "");
    const started = await starter.startWorkflow(
      { workflowType: "ten_steps", version: 1, input: { stepMs: 300 } },
      { timeoutMs: 10_000 },
    );
    // Killed once a step is recorded, so the survivor resumes by replay, not from scratch.
    const ownerId = await until("the first step recorded", async () => {
      const described = await starter.describeWorkflow(started, { timeoutMs: 5_000 });
      return described.checkpoints.length >= 2 ? described.ownerNodeId : undefined;
    });
    await starter.close();
    const owner = current.nodes.find((node) => current.nodeId(node) === ownerId);
    if (owner === undefined) throw new Error(`no node ${ownerId}`);
    await current.kill(owner);
    const survivor = client(transport, nodes.find((node) => node !== owner)?.address ?? "");
    const outcome = await survivor.waitWorkflow(
      {
        workflowId: started.workflowId,
        executionClusterId: started.executionClusterId,
        timeoutSeconds: 60,
      },
      { timeoutMs: 70_000 },
    );
    await survivor.close();
    expect(outcome).toEqual({ success: true, output: { steps: 10 } });
    for (const node of current.nodes) await current.kill(node);
    // Together: a node is ready only once its groups have leaders, which takes a majority.
    await Promise.all(current.nodes.map((node) => current.launch(node)));
    const again = client(transport, nodes[2]?.address ?? "");
    const kept = await again.waitWorkflow(
      {
        workflowId: started.workflowId,
        executionClusterId: started.executionClusterId,
        timeoutSeconds: 30,
      },
      { timeoutMs: 40_000 },
    );
    await again.close();
    expect(kept).toEqual({ success: true, output: { steps: 10 } });
  }, 180_000);
});
