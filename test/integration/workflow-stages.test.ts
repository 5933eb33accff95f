// At log level trace, a workflow run through one node leaves its stages in every node's log:
// the calls and the Start's proposal on the node called, the step and the later proposals on
// its owner, the applies on every replica, in the order they happened
// (bench/workflow-budget.bench.ts reads them).

import { afterEach, expect, test } from "bun:test";
import { GrpcProtocolClient } from "../../src/client/index.ts";
import { createLogger } from "../../src/lib/index.ts";
import type { RaftoralNode } from "../../src/node/index.ts";
import { defineWorkflow } from "../../src/workflow/index.ts";
import { startInProcessCluster } from "../support/in-process-cluster.ts";

interface Stage {
  readonly stage: string;
  readonly at_ms: number;
  readonly call?: string;
  readonly trace_id?: string;
  readonly workflow_id?: string;
  readonly command?: string;
  readonly event?: string;
}

const TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const nodes: RaftoralNode[] = [];

afterEach(async () => {
  for (const node of nodes.splice(0)) await node.stop();
});

/** W1: one step, whose value the workflow returns. */
const oneStep = defineWorkflow("one_step", 1, async (_input: null, ctx) =>
  ctx.step("pong", () => "pong"),
);

/** Three nodes at log level trace; each one's stage lines land in `stages[k]`. */
function tracedCluster(stages: Stage[][]): Promise<string[]> {
  return startInProcessCluster({
    size: 3,
    transport: "grpc",
    into: nodes,
    workflows: [oneStep],
    loggerOf: (k) =>
      createLogger({
        level: "trace",
        format: "json",
        write: (line) => {
          const record = JSON.parse(line);
          if (record.message === "Workflow stage") stages[k]?.push(record);
        },
      }),
  });
}

test("a synchronous run leaves its stages, in order, on the node called and on every replica", async () => {
  const stages: Stage[][] = [[], [], []];
  const addresses = await tracedCluster(stages);
  const client = new GrpcProtocolClient(addresses[1] as string);
  try {
    const outcome = await client.runWorkflow(
      { workflowType: "ping_pong", version: 1, input: "ping", traceId: TRACE_ID },
      { timeoutMs: 30_000 },
    );
    expect(outcome).toEqual({ success: true, output: "pong" });
    // A caller without a traceparent: the node starts the trace at the call, so that the
    // call's line joins the rest.
    await client.runWorkflow(
      { workflowType: "ping_pong", version: 1, input: "ping" },
      { timeoutMs: 30_000 },
    );
  } finally {
    await client.close();
  }
  const called = stages[1] ?? [];
  const workflowId = called.find(
    (s) => s.command === "Start" && s.trace_id === TRACE_ID,
  )?.workflow_id;
  expect(workflowId).toBeString();
  const isMine = (s: Stage) => s.trace_id === TRACE_ID || s.workflow_id === workflowId;
  // The owner, the group's leader, ran the step: maybe the node called, maybe another.
  const owner = stages.find((node) => node.some((s) => isMine(s) && s.stage === "step-ran"));
  const at = (on: Stage[] | undefined, predicate: (stage: Stage) => boolean) =>
    on?.find((s) => isMine(s) && predicate(s))?.at_ms ?? Number.NaN;
  const path = [
    at(called, (s) => s.stage === "call-received" && s.call === "start"),
    at(called, (s) => s.stage === "proposed" && s.command === "Start"),
    at(owner, (s) => s.stage === "applied" && s.event === "started"),
    at(owner, (s) => s.stage === "step-ran"),
    at(owner, (s) => s.stage === "proposed" && s.command === "Complete"),
    at(owner, (s) => s.stage === "applied" && s.event === "finished"),
    at(called, (s) => s.stage === "call-answered" && s.call === "wait"),
  ];
  expect(path).toEqual([...path].sort((a, b) => a - b));
  expect(path.some(Number.isNaN)).toBe(false);
  expect(at(called, (s) => s.stage === "answered" && s.command === "Start")).toBeLessThan(
    at(called, (s) => s.stage === "call-answered" && s.call === "wait"),
  );
  const untracedCall = called.find(
    (s) => s.stage === "call-received" && s.call === "start" && s.trace_id !== TRACE_ID,
  );
  expect(untracedCall?.trace_id).toBeString();
  expect(called).toContainEqual(
    expect.objectContaining({
      stage: "proposed",
      command: "Start",
      trace_id: untracedCall?.trace_id,
    }),
  );
  // Every replica applied the start and the end of the same workflow.
  for (const node of stages) {
    const events = node.filter((s) => s.workflow_id === workflowId && s.stage === "applied");
    expect(events.map((s) => s.event)).toContain("started");
    expect(events.map((s) => s.event)).toContain("finished");
  }
});

test("a workflow that ends with a step proposes its end before that step is committed", async () => {
  const stages: Stage[][] = [[], [], []];
  const addresses = await tracedCluster(stages);
  const client = new GrpcProtocolClient(addresses[0] as string);
  try {
    const outcome = await client.runWorkflow(
      { workflowType: "one_step", version: 1, input: null, traceId: TRACE_ID },
      { timeoutMs: 30_000 },
    );
    expect(outcome).toEqual({ success: true, output: "pong" });
  } finally {
    await client.close();
  }
  const workflowId = stages
    .flat()
    .find((s) => s.command === "Start" && s.trace_id === TRACE_ID)?.workflow_id;
  const owner = stages.find((node) =>
    node.some((s) => s.workflow_id === workflowId && s.stage === "step-ran"),
  );
  const at = (predicate: (stage: Stage) => boolean) =>
    owner?.find((s) => s.workflow_id === workflowId && predicate(s))?.at_ms ?? Number.NaN;
  const completeProposed = at((s) => s.stage === "proposed" && s.command === "Complete");
  const stepApplied = at((s) => s.stage === "applied" && s.event === "recorded");
  expect(completeProposed).toBeLessThan(stepApplied);
  expect(at((s) => s.stage === "applied" && s.event === "finished")).toBeGreaterThan(stepApplied);
});
