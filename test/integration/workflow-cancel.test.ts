// Cancel and terminate on in-process nodes with real transports: a sleeping workflow is
// cancelled from another node without the execution cluster id, woken at once, cleans up and
// ends cancelled; a running one is terminated; a waiter on a third node gets the failure with
// its code; repeats, finished and unknown workflows answer as documented; a survivor delivers
// the cancel of a workflow whose owner was killed; the CLI does the same with --json and exit
// codes.

import { afterEach, describe, expect, test } from "bun:test";
import { runClientCommand } from "../../src/cli/client-commands.ts";
import { RaftoralClient } from "../../src/client/index.ts";
import type { GroupId } from "../../src/lib/index.ts";
import type { RaftoralNode } from "../../src/node/index.ts";
import { CancelledError, defineWorkflow } from "../../src/workflow/index.ts";
import { startInProcessCluster } from "../support/in-process-cluster.ts";
import { eventually } from "../support/ports.ts";

const nodes: RaftoralNode[] = [];
const clients: RaftoralClient[] = [];
/** Releases the step bodies of terminated workflows, so nothing is left pending. */
const releases: (() => void)[] = [];
afterEach(async () => {
  for (const release of releases.splice(0)) release();
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
});

/** Charges, sleeps an hour, and refunds when cancelled. */
const subscription = defineWorkflow("subscription", 1, async (_input: null, ctx) => {
  await ctx.step("charge", () => "charged");
  try {
    await ctx.sleep("1h");
    return "renewed";
  } catch (error) {
    if (error instanceof CancelledError) await ctx.step("refund", () => "refunded");
    throw error;
  }
});

/** A step that runs until the test releases it. */
const stuck = defineWorkflow("stuck", 1, async (_input: null, ctx) => {
  await ctx.step("work", () => new Promise<string>((resolve) => releases.push(() => resolve("x"))));
  await ctx.step("after", () => "after");
  return "done";
});

async function cluster(transport: "grpc" | "http"): Promise<string[]> {
  const addresses = await startInProcessCluster({
    size: 3,
    transport,
    into: nodes,
    workflows: [subscription, stuck],
  });
  await eventually("execution group 1 has every node as a voter", () => {
    return nodes[0]?.managementState().groups.get(1 as GroupId)?.voters.length === 3;
  });
  return addresses;
}

function client(address: string, transport: "grpc" | "http"): RaftoralClient {
  const made = new RaftoralClient(address, { timeoutMs: 15_000, transport });
  clients.push(made);
  return made;
}

describe.each(["http", "grpc"] as const)("cancel and terminate over %s", (transport) => {
  test("a sleeping workflow is cancelled, cleans up, and its waiter gets CANCELLED", async () => {
    const [a, b, c] = (await cluster(transport)).map((address) => client(address, transport));
    await a?.start("subscription", null, { workflowId: "sub-1" });
    await eventually("the workflow sleeps", () =>
      nodes.every((node) => {
        const calls = node.workflowState(1 as GroupId)?.execution("sub-1")?.checkpoints ?? [];
        return calls.some((call) => call.kind === "sleep");
      }),
    );
    expect(await c?.describe({ workflowId: "sub-1" })).toMatchObject({ status: "sleeping" });
    const waiting = c?.wait({ workflowId: "sub-1" }, { timeoutMs: 20_000 });
    const asked = await b?.cancel("sub-1", { reason: "the customer withdrew" });
    expect(asked).toEqual({
      workflowId: "sub-1",
      executionClusterId: "1",
      status: "running",
      isDuplicate: false,
    });
    // Woken at once, not in an hour.
    expect(await waiting).toMatchObject({
      status: "failed",
      errorCode: "CANCELLED",
      errorName: "CancelledError",
      error: "workflow sub-1 was cancelled: the customer withdrew",
    });
    const described = await a?.describe({ workflowId: "sub-1" });
    expect(described).toMatchObject({
      status: "cancelled",
      failure: { code: "CANCELLED", name: "CancelledError" },
      cancelReason: "the customer withdrew",
    });
    expect(described?.cancelRequestedAtMs).toBeGreaterThan(0);
    // The refund step ran once, and its attempts and time travel over both protocols.
    expect(described?.checkpoints.at(-1)).toMatchObject({ name: "refund", attempts: 1 });
    expect(described?.checkpoints.at(-1)?.durationMs).toBeGreaterThanOrEqual(0);
    expect(described?.checkpoints.map((call) => [call.kind, call.name])).toEqual([
      ["step", "charge"],
      ["sleep", "timer"],
      ["cancel", "timer"],
      ["step", "refund"],
    ]);
    expect(await c?.cancel("sub-1", { executionClusterId: 1 })).toMatchObject({
      status: "cancelled",
      isDuplicate: true,
    });
    const late = await a?.terminate("sub-1").catch((error: unknown) => error);
    expect(late).toMatchObject({ code: "FAILED_PRECONDITION" });
    expect((late as Error).message).toContain("workflow sub-1 already cancelled");
    const unknown = await b?.cancel("nobody").catch((error: unknown) => error);
    expect(unknown).toMatchObject({ code: "NOT_FOUND" });
  }, 60_000);

  test("a running workflow is terminated at once; nothing of it is recorded after", async () => {
    const [a, b, c] = (await cluster(transport)).map((address) => client(address, transport));
    await a?.start("stuck", null, { workflowId: "stuck-1" });
    await eventually("the step runs", () => releases.length === 1);
    const waiting = c?.wait({ workflowId: "stuck-1" }, { timeoutMs: 20_000 });
    const ended = await b?.terminate("stuck-1", { reason: "a dead service" });
    expect(ended).toMatchObject({ status: "terminated", isDuplicate: false });
    expect(await waiting).toMatchObject({
      status: "failed",
      errorCode: "TERMINATED",
      error: "workflow stuck-1 was terminated: a dead service",
    });
    // The step body finishes after the terminate: its result is never recorded. A workflow
    // started after the release is a barrier: whatever the released run could still propose
    // is queued on its owner before this start leaves the test, so it is applied before
    // ping_pong ends.
    for (const release of releases.splice(0)) release();
    expect(await a?.run("ping_pong", "ping")).toMatchObject({ status: "completed" });
    const described = await a?.describe({ workflowId: "stuck-1" });
    expect(described).toMatchObject({
      status: "terminated",
      failure: { code: "TERMINATED", name: "TerminatedError" },
    });
    expect(described?.checkpoints).toEqual([]);
    expect(await c?.terminate("stuck-1")).toMatchObject({ isDuplicate: true });
  }, 60_000);
});

test("the owner of a sleeping workflow is killed; a survivor delivers the cancel", async () => {
  const addresses = await cluster("grpc");
  await client(addresses[0] as string, "grpc").start("subscription", null, { workflowId: "sub-3" });
  const record = () =>
    nodes
      .find((n) => n.workflowState(1 as GroupId))
      ?.workflowState(1 as GroupId)
      ?.execution("sub-3");
  await eventually("the workflow sleeps", () =>
    (record()?.checkpoints ?? []).some((call) => call.kind === "sleep"),
  );
  const owner = record()?.owner;
  const victim = nodes.find((n) => n.nodeId === owner) as RaftoralNode;
  await victim.kill();
  const survivors = new RaftoralClient(
    addresses.filter((address) => address !== victim.address),
    { timeoutMs: 15_000 },
  );
  clients.push(survivors);
  await survivors.cancel("sub-3", { reason: "owner gone" });
  const result = await survivors.wait({ workflowId: "sub-3" }, { timeoutMs: 30_000 });
  expect(result).toMatchObject({ status: "failed", errorCode: "CANCELLED" });
  const described = await survivors.describe({ workflowId: "sub-3" });
  expect(described.ownerNodeId).not.toBe(owner);
  expect(described.checkpoints.map((call) => call.kind)).toEqual([
    "step",
    "sleep",
    "cancel",
    "step",
  ]);
}, 90_000);

test("the CLI: workflow cancel and terminate with --json, and the exit codes", async () => {
  const [address] = await cluster("grpc");
  const run = async (...argv: string[]) => {
    let stdout = "";
    const code = await runClientCommand(
      [...argv, "--address", address as string, "--json"],
      {
        stdout: (text) => {
          stdout += text;
        },
        stderr: () => undefined,
      },
      {},
    );
    return { code, json: JSON.parse(stdout) as Record<string, unknown> };
  };
  await client(address as string, "grpc").start("subscription", null, { workflowId: "sub-2" });
  const cancelled = await run("workflow", "cancel", "sub-2", "--reason", "test");
  expect(cancelled).toEqual({
    code: 0,
    json: {
      success: true,
      workflow_id: "sub-2",
      execution_cluster_id: "1",
      status: "running",
      duplicate: false,
      error: null,
    },
  });
  expect(await run("workflow", "wait", "sub-2")).toMatchObject({
    code: 1,
    json: { success: false, error: "workflow sub-2 was cancelled: test", error_code: "CANCELLED" },
  });
  expect(await run("workflow", "terminate", "nobody")).toMatchObject({
    code: 1,
    json: { success: false, code: "NOT_FOUND" },
  });

  // A reason is the caller's text: an escape sequence in it must not reach a reader's terminal.
  await client(address as string, "grpc").start("subscription", null, { workflowId: "sub-4" });
  expect((await run("workflow", "cancel", "sub-4", "--reason", "\u001b[31mred")).code).toBe(0);
  let printed = "";
  const code = await runClientCommand(
    ["workflow", "wait", "sub-4", "--address", address as string],
    { stdout: (text) => (printed += text), stderr: (text) => (printed += text) },
    {},
  );
  expect(code).toBe(1);
  expect(printed).toContain("was cancelled: \\u001b[31mred");
  expect(printed).not.toContain("\u001b");
  expect((await run("workflow", "wait", "sub-4")).json).toMatchObject({
    error: "workflow sub-4 was cancelled: \u001b[31mred",
  });
}, 60_000);
