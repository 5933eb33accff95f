import { expect, test } from "bun:test";
import { DESCRIPTION } from "../../test/contracts/fake-node-api.ts";
import { nodeId } from "../lib/index.ts";
import type { ClusterStatus, WorkflowDescriptionInfo } from "../transport/index.ts";
import {
  clusterStatusText,
  describedText,
  resultText,
  signaledText,
  startedText,
} from "./client-output.ts";

const status = (
  faultTolerance: number,
  managementFaultTolerance: number,
  lostNodeIds: number[] = [],
): ClusterStatus => ({
  clusterId: "c1",
  transport: "grpc",
  nodeId: nodeId(1),
  managementLeaderNodeId: nodeId(1),
  nodes: [],
  groups: [],
  faultTolerance,
  managementFaultTolerance,
  lostNodeIds: lostNodeIds.map(nodeId),
});

test("cluster status says in a sentence how many failures the cluster and its management survive", () => {
  const second = (text: string) => text.split("\n")[1];
  expect(second(clusterStatusText(status(0, 0)))).toBe(
    "Survives no node failure now; the management group survives no node failure.",
  );
  expect(second(clusterStatusText(status(1, 2)))).toBe(
    "Survives 1 node failure now; the management group survives 2 node failures.",
  );
});

test("cluster status names the voters a forced recovery left behind, only when there are any", () => {
  const third = (text: string) => text.split("\n")[2];
  expect(third(clusterStatusText(status(0, 0)))).toBe("");
  expect(third(clusterStatusText(status(0, 0, [2, 3])))).toBe(
    "Left behind by a forced recovery: nodes 2,3; they come back only as new nodes, with empty storage.",
  );
});

test("describe's first line says what a waiting workflow waits for: an event, or a child", () => {
  const first = (info: Partial<WorkflowDescriptionInfo>) =>
    describedText({ ...DESCRIPTION, waitingForChild: undefined, ...info } as never).split("\n")[0];
  expect(first({})).toBe(
    'Workflow order-1 (await_payment v1) in execution cluster 1: waiting for event "paid" (times out 2023-11-15T22:13:20.000Z)',
  );
  expect(first({ waitingFor: "raftoral:child:3", waitingForChild: "order-1:3" })).toContain(
    "execution cluster 1: waiting for child workflow order-1:3 (times out",
  );
  // A timer beyond what a Date holds (recorded by an older build) is shown, not thrown on.
  expect(first({ status: "sleeping", wakeAtMs: Number.MAX_SAFE_INTEGER })).toEndWith(
    "sleeping until 9007199254740991 ms after the epoch",
  );
});

test("describe says a workflow is held, and why, under its owner; nothing when it is not", () => {
  const text = describedText(DESCRIPTION);
  expect(text.split("\n")[2]).toBe(
    "  Held:           paid_order@1 is not registered on the node that answered",
  );
  expect(describedText({ ...DESCRIPTION, held: undefined } as never)).not.toContain("Held:");
});

test("cluster status says which groups have no leader, only when some have none", () => {
  const led = clusterStatusText(status(1, 1));
  expect(led).not.toContain("No leader now");
  const group = {
    groupId: 1,
    members: [1, 2, 3],
    voters: [1, 2, 3],
    learners: [],
    draining: false,
    runningWorkflows: 0,
    leaderId: 0,
    configIndex: 5,
    faultTolerance: 0,
    leaderlessMs: 8_000,
  };
  const lost = { ...status(0, 0), managementLeaderNodeId: nodeId(0), groups: [group] };
  expect(clusterStatusText(lost as never).split("\n")[2]).toBe(
    "No leader now: the management group, execution cluster 1 (none for 8 s); they commit nothing until enough voters are back (or see raftoral cluster recover).",
  );
});

test("a group its members reported leaderless is named on a node that does not host it", () => {
  const group = {
    groupId: 2,
    members: [1, 2, 3],
    voters: [1, 2, 3],
    learners: [],
    draining: false,
    runningWorkflows: 0,
    leaderId: 0,
    configIndex: 5,
    faultTolerance: 0,
  };
  const reported = { ...status(1, 1), managementLeaderNodeId: nodeId(4), groups: [group] };
  expect(clusterStatusText(reported as never).split("\n")[2]).toBe(
    "No leader now: execution cluster 2 (as its members report); they commit nothing until enough voters are back (or see raftoral cluster recover).",
  );
  // Cut off from the management leader, the answering node cannot tell: only that is named.
  const cutOff = { ...reported, managementLeaderNodeId: nodeId(0) };
  expect(clusterStatusText(cutOff as never)).toContain(
    "No leader now: the management group; they commit",
  );
});

test("a repeated event id is told as sent before, not as delivered: the workflow may not have taken it", () => {
  const sent = { workflowId: "order-1", executionClusterId: "1", eventId: "pay-1" };
  expect(signaledText("paid", { ...sent, isDuplicate: false })).toBe(
    "Event paid (event ID pay-1) sent to workflow order-1 (execution cluster 1)\n",
  );
  expect(signaledText("paid", { ...sent, isDuplicate: true })).toBe(
    "Event paid (event ID pay-1) was already sent to workflow order-1 (execution cluster 1); this repeat was not recorded again\n",
  );
});

test("describe names the child a recorded call started, and where it runs", () => {
  const call = { seq: 4, kind: "child", name: "remind", atMs: 1_700_000_000_000 };
  const started = { ...call, childWorkflowId: "order-1:child-4", childExecutionClusterId: 2 };
  const lineOf = (checkpoint: object) =>
    describedText({ ...DESCRIPTION, checkpoints: [checkpoint] } as never)
      .split("\n")
      .find((line) => line.includes(" remind "));
  expect(lineOf(started)).toEndWith("  child order-1:child-4 (execution cluster 2)");
  expect(lineOf(call)).not.toContain("child order-1");
});

test("a newline in what others wrote stays on its line: it cannot forge a line of output", () => {
  const forged = "line1\n2026-12-07T00:00:00.000Z ERROR forged line";
  const described = describedText({
    ...DESCRIPTION,
    cancelRequestedAtMs: 1_765_000_000_000,
    cancelReason: forged,
    failure: { name: "WorkflowCancelledError", message: `cancelled: ${forged}` },
  } as never);
  const lines = described.split("\n");
  expect(lines.some((line) => line.startsWith("2026-12-07T00:00:00.000Z"))).toBe(false);
  expect(described).toContain("(line1\\n2026-12-07T00:00:00.000Z ERROR forged line)");
  expect(described).toContain("Error:          cancelled: line1\\n2026");
  const failed = { status: "failed", error: forged, errorCode: "CANCELLED" } as const;
  expect(resultText(failed as never)).toBe(
    "Failed: line1\\n2026-12-07T00:00:00.000Z ERROR forged line (CANCELLED)\n",
  );
});

test("the wait command printed after a start reaches the nodes as the start did", () => {
  const started = { workflowId: "w-1", executionClusterId: "2" } as never;
  const base = { timeoutMs: undefined, json: false, security: {} } as const;
  const waitLine = (connection: object) =>
    startedText("ping_pong", 1, started, { ...base, ...connection } as never)
      .split("\n")
      .find((line) => line.includes("workflow wait"));
  // An HTTP cluster's plain address needs --transport http, or the wait speaks gRPC to it.
  expect(waitLine({ addresses: ["127.0.0.1:7001"], transport: "http" })).toBe(
    "  raftoral workflow wait w-1 --cluster 2 --address 127.0.0.1:7001 --transport http",
  );
  expect(waitLine({ addresses: ["https://a:1"], transport: "http" })).toBe(
    "  raftoral workflow wait w-1 --cluster 2 --address https://a:1",
  );
  const security = { tlsCa: "ca.pem", tlsCert: "c.pem", tlsKey: "k.pem", tokenFile: "t" };
  expect(waitLine({ addresses: ["a:1", "b:2"], transport: "grpc", security })).toBe(
    "  raftoral workflow wait w-1 --cluster 2 --address a:1,b:2 --tls-ca ca.pem --tls-cert c.pem --tls-key k.pem --token-file t",
  );
});
