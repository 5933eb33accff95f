// Caller-chosen workflow ids on in-process nodes with real transports: a start repeated on
// any node (or on all at once) gives one workflow, other input is ALREADY_EXISTS, and any
// node finds the workflow without its execution cluster id, across execution groups too.

import { afterEach, describe, expect, test } from "bun:test";
import {
  GrpcProtocolClient,
  HttpProtocolClient,
  type ProtocolClient,
  RaftoralClient,
} from "../../src/client/index.ts";
import { type GroupId, groupId, type JsonValue, type RaftoralError } from "../../src/lib/index.ts";
import type { RaftoralNode } from "../../src/node/index.ts";
import type { StartWorkflowRequest } from "../../src/transport/index.ts";
import { startInProcessCluster } from "../support/in-process-cluster.ts";
import { eventually, freePort } from "../support/ports.ts";

const nodes: RaftoralNode[] = [];
const clients: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
});

const CALL = { timeoutMs: 15_000 };

function cluster(size: number, transport: "grpc" | "http"): Promise<string[]> {
  return startInProcessCluster({ size, transport, into: nodes });
}

function clientOf(transport: "grpc" | "http", address: string): ProtocolClient {
  const client =
    transport === "grpc" ? new GrpcProtocolClient(address) : new HttpProtocolClient(address);
  clients.push(client);
  return client;
}

const ping = (workflowId: string, input: JsonValue = "ping"): StartWorkflowRequest => ({
  workflowType: "ping_pong",
  version: 1,
  input,
  workflowId,
});

/** The execution groups that know `workflowId`, over every node's replicas. */
function groupsKnowing(workflowId: string): GroupId[] {
  const found = new Set<GroupId>();
  for (const node of nodes) {
    for (const id of node.managementState().groups.keys()) {
      if (node.workflowState(id)?.execution(workflowId) !== undefined) found.add(id);
    }
  }
  return [...found];
}

describe.each(["http", "grpc"] as const)("caller-chosen ids over %s", (transport) => {
  test("a start repeated on every node runs once; other input is ALREADY_EXISTS", async () => {
    const addresses = await cluster(3, transport);
    const callers = addresses.map((address) => clientOf(transport, address));
    // All at once: the management log serializes the three starts of one id.
    const started = await Promise.all(
      callers.map((client) => client.startWorkflow(ping("order-1"), CALL)),
    );
    expect(started.map((item) => item.workflowId)).toEqual(["order-1", "order-1", "order-1"]);
    expect(new Set(started.map((item) => item.executionClusterId)).size).toBe(1);
    // One call started it; the other two were told it had been started before them.
    expect(started.map((item) => item.alreadyStarted).sort()).toEqual([false, true, true]);
    for (const client of callers) {
      const outcome = await client.waitWorkflow(
        { workflowId: "order-1", timeoutSeconds: 10 },
        CALL,
      );
      expect(outcome).toEqual({ success: true, output: "pong" });
    }
    const again = await (callers[2] as ProtocolClient).startWorkflow(ping("order-1"), CALL);
    expect(again).toEqual({ ...(started[0] as (typeof started)[0]), alreadyStarted: true });
    const group = started[0]?.executionClusterId as GroupId;
    const record = nodes[0]?.workflowState(group)?.execution("order-1");
    // One Start took effect: the run's checkpoints are those of a single ping_pong.
    expect(record).toMatchObject({ status: "Completed", output: "pong" });
    expect(record?.checkpoints.length).toBe(3);
    const refused = await (callers[1] as ProtocolClient)
      .startWorkflow(ping("order-1", "pong"), CALL)
      .catch((error: { code?: string; message: string }) => error);
    expect(refused).toMatchObject({ code: "ALREADY_EXISTS" });
    expect((refused as Error).message).toContain("workflow order-1 already exists");
    await eventually("every claim released", () =>
      nodes.every((node) => node.managementState().workflowIdClaims.size === 0),
    );
  }, 60_000);

  test("bad ids are INVALID_ARGUMENT naming the rule; unknown ids NOT_FOUND", async () => {
    const [address] = await cluster(1, transport);
    const client = clientOf(transport, address as string);
    for (const bad of ["has space", "x".repeat(129), "-dash-first"]) {
      const error = await client
        .startWorkflow(ping(bad), CALL)
        .catch((e: { code?: string; message: string }) => e);
      expect(error).toMatchObject({ code: "INVALID_ARGUMENT" });
      expect((error as Error).message).toMatch(/workflow_id .*(may only hold|1 to 128)/);
    }
    const unknown = await client
      .waitWorkflow({ workflowId: "never-started", timeoutSeconds: 1 }, CALL)
      .catch((e: { code?: string; message: string }) => e);
    expect(unknown).toMatchObject({ code: "NOT_FOUND" });
    expect((unknown as Error).message).toContain("workflow never-started is not known");
  }, 30_000);
});

/**
 * An HTTP node in front of `target` that passes each request on but never answers. It keeps
 * the answers to starts only: the client's health checks of a node that keeps silent pass too.
 */
function answerLosingProxy(target: string): { address: string; forwarded: unknown[] } {
  const forwarded: unknown[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const url = new URL(request.url);
      const reply = await fetch(`http://${target}${url.pathname}${url.search}`, {
        method: request.method,
        headers: request.headers,
        body: await request.text(),
      });
      const answer = await reply.json();
      if (url.pathname === "/workflow/execute") forwarded.push(answer);
      // The answer is lost: the caller hears nothing until its own deadline.
      return new Promise<Response>(() => undefined);
    },
  });
  clients.push({ close: async () => void server.stop(true) });
  return { address: `127.0.0.1:${server.port}`, forwarded };
}

test("the client repeats a start under its own id whose answer was lost, and only then", async () => {
  const [address] = await cluster(1, "http");
  const proxy = answerLosingProxy(address as string);
  const client = new RaftoralClient([`http://${proxy.address}`, `http://${address}`], {
    timeoutMs: 1_500,
  });
  clients.push(client);
  const started = await client.start("ping_pong", "ping", { workflowId: "retry-1" });
  expect(proxy.forwarded).toEqual([
    {
      workflow_id: "retry-1",
      success: true,
      execution_cluster_id: "1",
      result: null,
      error: null,
    },
  ]);
  // The second attempt found the first one's Start: the same call's (one trace), not another's.
  expect(started).toEqual({
    workflowId: "retry-1",
    executionClusterId: "1",
    alreadyStarted: false,
  });
  const again = await client.start("ping_pong", "ping", { workflowId: "retry-1" });
  expect(again).toEqual({ workflowId: "retry-1", executionClusterId: "1", alreadyStarted: true });
  const result = await client.wait(started, { timeoutMs: 10_000 });
  expect(result).toMatchObject({ status: "completed", output: "pong" });
  // Without an id, a lost answer is the caller's to resolve: the start is not sent again.
  const once = new RaftoralClient([`http://${proxy.address}`, `http://${address}`], {
    timeoutMs: 1_500,
  });
  clients.push(once);
  const error = await once.start("ping_pong", "ping").catch((e: { code?: string }) => e);
  expect(error).toMatchObject({ code: "TIMEOUT" });
  expect(proxy.forwarded).toHaveLength(2);
}, 30_000);

test("a start without an id goes on to the next node only while none could have received it", async () => {
  const [address] = await cluster(1, "http");
  // Nothing listens there: the connection is refused, so the next node gets the start.
  const down = `127.0.0.1:${await freePort()}`;
  const client = new RaftoralClient([`http://${down}`, `http://${address}`], { timeoutMs: 5_000 });
  clients.push(client);
  const started = await client.start("ping_pong", "ping");
  expect(await client.wait(started, { timeoutMs: 10_000 })).toMatchObject({ output: "pong" });

  // A node that takes the request and closes the connection may have started it: no repeat.
  // (The client also asks it, in gRPC, whether it speaks the other protocol.)
  let starts = 0;
  const closing = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(socket, data) {
        if (data.toString().startsWith("POST /workflow/execute")) starts++;
        socket.end();
      },
    },
  });
  clients.push({ close: async () => void closing.stop(true) });
  const once = new RaftoralClient([`http://127.0.0.1:${closing.port}`, `http://${address}`], {
    timeoutMs: 5_000,
  });
  clients.push(once);
  const running = [...(nodes[0]?.workflowState(groupId(1))?.executions() ?? [])].length;
  const error = await once.start("ping_pong", "ping").catch((e: RaftoralError) => e);
  // Its outcome is unknown: TIMEOUT, as for any write that may still be done.
  expect(error).toMatchObject({ code: "TIMEOUT", isAnswerLost: true });
  expect((error as Error).message).toContain("give it a workflowId");
  expect(starts).toBe(1);
  expect([...(nodes[0]?.workflowState(groupId(1))?.executions() ?? [])].length).toBe(running);
}, 30_000);

test("across two execution groups any node finds an id, and a repeat never moves it", async () => {
  const addresses = await cluster(7, "grpc");
  await eventually(
    "two execution groups, every node placed",
    () => {
      const sizes = [...(nodes[0]?.managementState().groups.values() ?? [])].map(
        (group) => group.voters.length,
      );
      return sizes.sort().join(",") === "3,4";
    },
    60_000,
  );
  const groups = [...(nodes[0]?.managementState().groups.keys() ?? [])];
  // Started in the group the chooser would not pick first: a repeat must still find it there.
  const pinned = groups[groups.length - 1] as GroupId;
  const client = new RaftoralClient(addresses, { timeoutMs: 15_000 });
  clients.push(client);
  const first = await client.start("ping_pong", "ping", {
    workflowId: "invoice-7",
    executionClusterId: pinned,
  });
  expect(first).toEqual({
    workflowId: "invoice-7",
    executionClusterId: String(pinned),
    alreadyStarted: false,
  });
  for (const address of addresses) {
    const single = new RaftoralClient(address, { timeoutMs: 15_000 });
    clients.push(single);
    const repeated = await single.start("ping_pong", "ping", { workflowId: "invoice-7" });
    expect(repeated).toEqual({ ...first, alreadyStarted: true });
    const result = await single.wait({ workflowId: "invoice-7" }, { timeoutMs: 20_000 });
    expect(result).toMatchObject({ status: "completed", output: "pong" });
  }
  expect(groupsKnowing("invoice-7")).toEqual([groupId(pinned)]);
  // A new id started from every node at once, each naming another group, lands in one, once.
  const racing = await Promise.all(
    addresses.map((address, k) =>
      clientOf("grpc", address).startWorkflow(
        { ...ping("invoice-8"), executionClusterId: groups[k % groups.length] as GroupId },
        CALL,
      ),
    ),
  );
  expect(new Set(racing.map((item) => item.executionClusterId)).size).toBe(1);
  expect(groupsKnowing("invoice-8")).toEqual([racing[0]?.executionClusterId as GroupId]);
}, 120_000);
