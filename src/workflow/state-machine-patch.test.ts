// Apply-time rules of `patch` markers (ctx.patched): they travel through the log like any
// checkpoint, decode from their bytes, and are accepted only in their plain form and only
// for executions whose runtime version has markers.

import { describe, expect, test } from "bun:test";
import type { LogIndex, NodeId } from "../lib/index.ts";
import type { WorkflowApplyResult } from "./apply-result.ts";
import { decodeCommand, encodeCommand, type WorkflowCommand } from "./commands.ts";
import { describeExecution } from "./describe.ts";
import type { CheckpointOutcome } from "./execution.ts";
import type { JsonValue } from "./json.ts";
import { registryWithBuiltins } from "./ping-pong.ts";
import { WorkflowStateMachine } from "./state-machine.ts";

function machine() {
  const sm = new WorkflowStateMachine({ registry: registryWithBuiltins() });
  const apply = (command: WorkflowCommand): WorkflowApplyResult =>
    sm.apply(encodeCommand(command), (sm.lastAppliedIndex() + 1) as LogIndex);
  return { sm, apply };
}

function start(workflowId: string, runtimeVersion: number): WorkflowCommand {
  return {
    type: "Start",
    workflowId,
    name: "ping_pong",
    version: 1,
    input: "ping",
    owner: 1 as NodeId,
    startedAtMs: 1_000,
    seed: 7,
    runtimeVersion,
  };
}

function marker(workflowId: string, outcome: CheckpointOutcome): WorkflowCommand {
  return {
    type: "Checkpoint",
    workflowId,
    ownerEpoch: 1,
    seq: 0,
    kind: "patch",
    name: "new-a",
    outcome,
    atMs: 1_000,
  };
}

describe("patch markers at apply time", () => {
  test("a marker decodes from its bytes and is recorded; describe shows it", () => {
    const command = marker("wf-1", { ok: true });
    expect(decodeCommand(encodeCommand(command))).toEqual({ ok: true, command });
    const { sm, apply } = machine();
    apply(start("wf-1", 3));
    expect(apply(command)).toMatchObject({ type: "recorded", seq: 0 });
    const deprecated = { ok: true, value: { deprecated: true } } as const;
    expect(apply({ ...marker("wf-1", deprecated), seq: 1 } as WorkflowCommand)).toMatchObject({
      type: "recorded",
      seq: 1,
    });
    const execution = sm.execution("wf-1");
    expect(execution === undefined ? [] : describeExecution(execution).checkpoints).toEqual([
      { seq: 0, kind: "patch", name: "new-a", atMs: 1_000 },
      { seq: 1, kind: "patch", name: "new-a", atMs: 1_000 },
    ]);
  });

  test.each([
    ["a value", { ok: true, value: "x" }],
    ["another flag", { ok: true, value: { deprecated: false } }],
    ["extra fields", { ok: true, value: { deprecated: true, more: 1 } }],
    ["an error", { ok: false, error: { name: "Error", message: "no" } }],
  ] as const)("a marker with %s is refused as malformed", (_what, outcome) => {
    const { sm, apply } = machine();
    apply(start("wf-1", 3));
    expect(apply(marker("wf-1", outcome as CheckpointOutcome))).toMatchObject({
      type: "refused",
      reason: "malformed",
    });
    expect(sm.execution("wf-1")?.checkpoints).toEqual([]);
  });

  test("an execution of runtime version 2 takes no marker", () => {
    const { apply } = machine();
    apply(start("wf-2", 2));
    expect(apply(marker("wf-2", { ok: true }))).toMatchObject({
      type: "refused",
      reason: "malformed",
      message: expect.stringContaining("bad patch marker at 0"),
    });
  });

  test("an unknown kind still fails to decode (the decoder lists kinds)", () => {
    const bytes = new TextEncoder().encode(
      JSON.stringify({ ...marker("wf-1", { ok: true }), kind: "patch2" } as Record<
        string,
        JsonValue
      >),
    );
    expect(decodeCommand(bytes).ok).toBe(false);
  });
});
