import { expect, test } from "bun:test";
import { groupId, nodeId } from "../lib/index.ts";
import { describedJson } from "../transport/http/index.ts";
import type { WorkflowDescriptionInfo } from "../transport/index.ts";
import { describedOf } from "./http-answers.ts";
import { childOfWire } from "./wire-values.ts";

const DESCRIBED: WorkflowDescriptionInfo = {
  workflowId: "onboard-ada",
  executionClusterId: groupId(1),
  name: "onboard",
  version: 1,
  status: "running",
  input: "ada",
  ownerNodeId: nodeId(2),
  ownerEpoch: 3,
  startedAtMs: 1_000,
  pendingEvents: 0,
  checkpoints: [
    { seq: 0, kind: "step", name: "check", atMs: 1_001, attempts: 2, durationMs: 15 },
    {
      seq: 1,
      kind: "child",
      name: "remind",
      atMs: 1_002,
      childWorkflowId: "onboard-ada:child-1",
      childExecutionClusterId: groupId(4),
    },
  ],
};

test("a recorded call's child comes back over HTTP as the node described it", () => {
  const body = JSON.parse(JSON.stringify(describedJson(DESCRIBED)));
  expect(body.checkpoints[1]).toMatchObject({
    child_workflow_id: "onboard-ada:child-1",
    child_execution_cluster_id: "4",
  });
  expect(describedOf(body).checkpoints).toEqual(DESCRIBED.checkpoints);
});

test("a call that started no child has none, whatever empty value the wire carries", () => {
  expect(childOfWire(undefined, undefined)).toEqual({});
  expect(childOfWire("", "")).toEqual({});
  expect(childOfWire("c-1", "")).toEqual({ childWorkflowId: "c-1" });
});
