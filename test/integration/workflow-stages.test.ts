// At log level trace, a workflow run through one node leaves its stages in every node's log:
// the calls on the node called, the proposals and the step on its owner, the applies on every
// replica, in the order they happened (bench/workflow-budget.bench.ts reads them).

import { afterEach, expect, test } from "bun:test";
import { GrpcProtocolClient } from "../../src/client/index.ts";
import { createLogger } from "../../src/lib/index.ts";
import type { RaftoralNode } from "../../src/node/index.ts";
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

test("a synchronous run leaves its stages, in order, on the node called and on every replica", async () => {
  const stages: Stage[][] = [[], [], []];
  const addresses = await startInProcessCluster({
    size: 3,
    transport: "grpc",
    into: nodes,
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
  const mine = called.filter((s) => s.trace_id === TRACE_ID || s.workflow_id === workflowId);
  const at = (predicate: (stage: Stage) => boolean) => mine.find(predicate)?.at_ms ?? Number.NaN;
  const path = [
    at((s) => s.stage === "call-received" && s.call === "start"),
    at((s) => s.stage === "proposed" && s.command === "Start"),
    at((s) => s.stage === "applied" && s.event === "started"),
    at((s) => s.stage === "answered" && s.command === "Start"),
    at((s) => s.stage === "step-ran"),
    at((s) => s.stage === "proposed" && s.command === "Complete"),
    at((s) => s.stage === "applied" && s.event === "finished"),
    at((s) => s.stage === "call-answered" && s.call === "wait"),
  ];
  expect(path).toEqual([...path].sort((a, b) => a - b));
  expect(path.some(Number.isNaN)).toBe(false);
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
