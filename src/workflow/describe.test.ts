import { describe, expect, test } from "bun:test";
import { LocalWorkflowGroup, track } from "../../test/support/workflow-local-group.ts";
import type { NodeId } from "../lib/index.ts";
import { childEventName } from "./children.ts";
import { defineWorkflow } from "./definition.ts";
import { describeExecution } from "./describe.ts";
import type { CheckpointRecord, ExecutionRecord } from "./execution.ts";
import { registryWithBuiltins } from "./ping-pong.ts";

const base: ExecutionRecord = {
  workflowId: "order-1",
  name: "await_payment",
  version: 1,
  input: { order: "A-7" },
  runtimeVersion: 2,
  seed: 1,
  startedAtMs: 1_000,
  owner: 2 as NodeId,
  ownerEpoch: 3,
  status: "Running",
  checkpoints: [],
};

function call(
  seq: number,
  kind: CheckpointRecord["kind"],
  value: unknown = null,
): CheckpointRecord {
  return {
    seq,
    kind,
    name: kind === "event-wait" ? "paid" : "timer",
    outcome: { ok: true, value: value as never },
    atMs: 2_000 + seq,
    ownerEpoch: 3,
  };
}

describe("describeExecution", () => {
  test("a workflow between calls is running; its input, owner and times are shown", () => {
    expect(describeExecution(base)).toEqual({
      workflowId: "order-1",
      name: "await_payment",
      version: 1,
      status: "running",
      input: { order: "A-7" },
      owner: 2 as NodeId,
      ownerEpoch: 3,
      startedAtMs: 1_000,
      pendingEvents: 0,
      checkpoints: [],
    });
  });

  test("a recorded sleep without its wake is sleeping until its due time", () => {
    const sleeping = { ...base, checkpoints: [call(0, "sleep", { sleepMs: 500 })] };
    expect(describeExecution(sleeping)).toMatchObject({ status: "sleeping", wakeAtMs: 2_500 });
    const woke = { ...base, checkpoints: [...sleeping.checkpoints, call(1, "wake")] };
    expect(describeExecution(woke).status).toBe("running");
  });

  test("an event wait is waiting for its name, with its deadline if it has one", () => {
    const waiting = {
      ...base,
      checkpoints: [call(0, "event-wait", { timeoutMs: 60_000 })],
      inbox: [{ eventId: "e1", name: "other", payload: 1, isConsumed: false }],
    };
    expect(describeExecution(waiting)).toMatchObject({
      status: "waiting",
      waitingFor: "paid",
      wakeAtMs: 62_000,
      pendingEvents: 1,
    });
    const forever = { ...base, checkpoints: [call(0, "event-wait", {})] };
    expect("wakeAtMs" in describeExecution(forever)).toBe(false);
    expect("waitingForChild" in describeExecution(waiting)).toBe(false);
  });

  test("a wait for a child's result names the child, not only the internal event", () => {
    const child = { workflowId: "order-1:0", executionClusterId: "2" };
    const waiting = {
      ...base,
      checkpoints: [
        { ...call(0, "child", child), name: "send_reminder" },
        { ...call(1, "event-wait", {}), name: childEventName(0) },
      ],
    };
    expect(describeExecution(waiting)).toMatchObject({
      status: "waiting",
      waitingFor: "raftoral:child:0",
      waitingForChild: "order-1:0",
    });
    // The child call names the child it started; the wait does not.
    const [started, wait] = describeExecution(waiting).checkpoints;
    expect(started?.child).toEqual(child);
    expect(wait !== undefined && "child" in wait).toBe(false);
  });

  test("an ended workflow shows its result or error, and a failed step its error", () => {
    const failedStep: CheckpointRecord = {
      ...call(0, "step"),
      name: "charge",
      outcome: { ok: false, error: { name: "Error", message: "declined" } },
    };
    const failed = {
      ...base,
      status: "Failed" as const,
      checkpoints: [failedStep],
      error: { name: "Error", message: "no payment", code: "TIMEOUT" },
      finishedAtMs: 9_000,
    };
    expect(describeExecution(failed)).toMatchObject({
      status: "failed",
      error: { message: "no payment", code: "TIMEOUT" },
      finishedAtMs: 9_000,
      checkpoints: [{ seq: 0, kind: "step", name: "charge", error: { message: "declined" } }],
    });
    const completed = { ...base, status: "Completed" as const, output: "paid", finishedAtMs: 9 };
    expect(describeExecution(completed)).toMatchObject({ status: "completed", output: "paid" });
  });
});

describe("step attempts and durations", () => {
  test("a step retried by its policy is recorded and described with its attempts and time", async () => {
    const flaky = defineWorkflow("flaky", 1, async (_: null, ctx) => {
      let calls = 0;
      return await ctx.step(
        "charge",
        () => {
          calls++;
          if (calls < 3) throw new Error(`attempt ${calls} failed`);
          return "charged";
        },
        { retry: { attemptsMax: 5, initialDelayMs: 100, backoffFactor: 1 } },
      );
    });
    const group = new LocalWorkflowGroup({ registry: registryWithBuiltins([flaky]) });
    const runtime = group.runtime();
    runtime.open();
    const started = track(runtime.start("flaky", 1, null, { workflowId: "f-1" }));
    await group.until(() => started.done);
    const finished = track(group.queries.wait("f-1", 60_000));
    await group.until(() => finished.done);
    const record = group.stateMachine.execution("f-1");
    expect(record?.checkpoints[0]?.stats).toEqual({ attempts: 3, durationMs: 200 });
    const [step] = record === undefined ? [] : describeExecution(record).checkpoints;
    expect(step).toMatchObject({ kind: "step", name: "charge", attempts: 3, durationMs: 200 });
    // The stats travel in the log: a member that only applies the entries has them too.
    const checkpoint = group.log.find((command) => command.type === "Checkpoint");
    expect(checkpoint).toMatchObject({ stats: { attempts: 3, durationMs: 200 } });
  });
});
