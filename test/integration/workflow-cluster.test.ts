// Workflows end to end on in-process nodes with real transports: ping_pong through any node,
// results served by wait on every member, bad input refused clearly, the one-request run.

import { afterEach, describe, expect, test } from "bun:test";
import { HttpProtocolClient } from "../../src/client/index.ts";
import { createLogger, type GroupId, groupId } from "../../src/lib/index.ts";
import type { MultiRaftHost } from "../../src/multiraft/index.ts";
import { RaftoralNode } from "../../src/node/index.ts";
import { failureOf } from "../support/outcomes.ts";
import { eventually, freePort } from "../support/ports.ts";

const nodes: RaftoralNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
});

const quiet = () => createLogger({ level: "error", format: "text", write: () => undefined });
const FAST = { tickIntervalMs: 20, reconcileIntervalMs: 100, failureTimeoutMs: 5_000 };

async function cluster(size: number): Promise<string[]> {
  const ports = await Promise.all(Array.from({ length: size }, () => freePort()));
  const addresses = ports.map((port) => `127.0.0.1:${port}`);
  for (const [k, address] of addresses.entries()) {
    const node = new RaftoralNode({
      listen: address,
      bootstrap: k === 0,
      ...(k === 0 ? {} : { peers: [addresses[0] as string] }),
      transport: "http",
      logger: quiet(),
      tuning: FAST,
    });
    nodes.push(node);
    await node.start();
  }
  return addresses;
}

describe("workflows on a 3-node cluster", () => {
  test('ping_pong started on any node completes with "pong", served by every member', async () => {
    const addresses = await cluster(3);
    for (const address of addresses) {
      const client = new HttpProtocolClient(address);
      const started = await client.startWorkflow(
        { workflowType: "ping_pong", version: 1, input: "ping" },
        { timeoutMs: 10_000 },
      );
      for (const other of addresses) {
        const outcome = await new HttpProtocolClient(other).waitWorkflow(
          {
            workflowId: started.workflowId,
            executionClusterId: started.executionClusterId,
            timeoutSeconds: 10,
          },
          { timeoutMs: 15_000 },
        );
        expect(outcome).toEqual({ success: true, output: "pong" });
      }
    }
  }, 60_000);

  test("a workflow started on a follower runs on the group's leader, with no read barrier", async () => {
    await cluster(3);
    const group = groupId(1);
    const leaderOf = (node: RaftoralNode) => node.raftHost()?.inspect(group)?.status().leaderId;
    await eventually(
      "execution group 1 has a leader",
      () => (leaderOf(nodes[0] as RaftoralNode) ?? 0) !== 0,
    );
    const leader = nodes.find(
      (node) => node.nodeId === leaderOf(nodes[0] as RaftoralNode),
    ) as RaftoralNode;
    // What the leader's runs ask of the group's log: proposals, and no read barrier.
    const host = leader.raftHost() as MultiRaftHost;
    const read = host.read.bind(host);
    const reads: GroupId[] = [];
    host.read = (id, options) => {
      reads.push(id);
      return read(id, options);
    };
    for (const follower of nodes.filter((node) => node !== leader)) {
      const client = new HttpProtocolClient(follower.address);
      const outcome = await client.runWorkflow(
        { workflowType: "ping_pong", version: 1, input: "ping" },
        { timeoutMs: 10_000 },
      );
      expect(outcome).toEqual({ success: true, output: "pong" });
    }
    const executions = [...(leader.workflowState(group)?.executions() ?? [])];
    expect(executions.map((execution) => execution.owner)).toEqual([leader.nodeId, leader.nodeId]);
    expect(reads.filter((id) => id === group)).toEqual([]);
  }, 60_000);

  test("a failing workflow reports its error; unknown workflows and ids are refused", async () => {
    const [address] = await cluster(1);
    const client = new HttpProtocolClient(address as string);
    const failing = await client.runWorkflow(
      { workflowType: "ping_pong", version: 1, input: "hello" },
      { timeoutMs: 15_000 },
    );
    expect(failureOf(failing).message).toContain("hello");
    const unknown = await client
      .startWorkflow({ workflowType: "nope", version: 1, input: 1 }, { timeoutMs: 5_000 })
      .catch((error: { code?: string; message: string }) => error);
    expect((unknown as { code?: string }).code).toBe("NOT_FOUND");
    const noCluster = await client
      .startWorkflow(
        { workflowType: "ping_pong", version: 1, input: "ping", executionClusterId: groupId(7) },
        { timeoutMs: 5_000 },
      )
      .catch((error: { code?: string; message: string }) => error);
    expect(noCluster).toMatchObject({
      code: "NOT_FOUND",
      message: expect.stringContaining("execution cluster 7 does not exist"),
    });
    const badId = await client
      .waitWorkflow(
        { workflowId: "not an id", executionClusterId: groupId(1), timeoutSeconds: 1 },
        { timeoutMs: 5_000 },
      )
      .catch((error: { code?: string }) => error);
    expect((badId as { code?: string }).code).toBe("INVALID_ARGUMENT");
  }, 60_000);

  test("POST /workflow/run answers the result with the ids; run again with its id, the same one", async () => {
    const addresses = await cluster(3);
    const run = async (address: string) => {
      const response = await fetch(`http://${address}/workflow/run`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          name: "ping_pong",
          version: 1,
          input: '"ping"',
          workflow_id: "r-1",
        }),
      });
      return { status: response.status, body: await response.json() };
    };
    const first = await run(addresses[1] as string);
    const expected = {
      status: 200,
      body: {
        workflow_id: "r-1",
        execution_cluster_id: "1",
        success: true,
        result: '"pong"',
        error: null,
      },
    };
    expect(first).toEqual(expected);
    // A caller whose connection was cut sends the run again: it gets the same workflow's result.
    expect(await run(addresses[2] as string)).toEqual(expected);
    // The node that answered last has applied everything it answered: one workflow.
    const executions = [...(nodes[2]?.workflowState(groupId(1))?.executions() ?? [])];
    expect(executions.map((execution) => execution.workflowId)).toEqual(["r-1"]);
  }, 60_000);
});
