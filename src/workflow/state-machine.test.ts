import { describe, expect, test } from "bun:test";
import { AssertionError, type LogIndex, logIndex, type NodeId } from "../lib/index.ts";
import type { WorkflowApplyResult, WorkflowEvent } from "./apply-result.ts";
import { encodeCommand, type WorkflowCommand } from "./commands.ts";
import { registryWithBuiltins } from "./ping-pong.ts";
import { WorkflowStateMachine } from "./state-machine.ts";

const N1 = 1 as NodeId;
const N2 = 2 as NodeId;

function machine(config?: ConstructorParameters<typeof WorkflowStateMachine>[0]["config"]) {
  const sm = new WorkflowStateMachine({
    registry: registryWithBuiltins(),
    ...(config === undefined ? {} : { config }),
  });
  const events: WorkflowEvent[] = [];
  sm.subscribe((event) => events.push(event));
  const apply = (command: WorkflowCommand): WorkflowApplyResult =>
    sm.apply(encodeCommand(command), (sm.lastAppliedIndex() + 1) as LogIndex);
  return { sm, apply, events };
}

function start(workflowId: string, extra: Partial<WorkflowCommand & { type: "Start" }> = {}) {
  return {
    type: "Start",
    workflowId,
    name: "ping_pong",
    version: 1,
    input: "ping",
    owner: N1,
    startedAtMs: 1_000,
    seed: 7,
    runtimeVersion: 1,
    ...extra,
  } as const satisfies WorkflowCommand;
}

function checkpoint(workflowId: string, seq: number, ownerEpoch = 1, value = "v") {
  return {
    type: "Checkpoint",
    workflowId,
    ownerEpoch,
    seq,
    kind: "step",
    name: `s${seq}`,
    outcome: { ok: true, value },
    atMs: 1_000 + seq,
  } as const satisfies WorkflowCommand;
}

function complete(workflowId: string, ownerEpoch = 1, finishedAtMs = 2_000) {
  return { type: "Complete", workflowId, ownerEpoch, output: "pong", finishedAtMs } as const;
}

describe("WorkflowStateMachine: Start", () => {
  test("creates a Running execution owned by the proposer at epoch 1", () => {
    const { sm, apply, events } = machine();
    const result = apply(start("a"));
    expect(result).toMatchObject({ type: "started", isNew: true });
    expect(sm.status("a")).toMatchObject({ status: "Running", owner: N1, ownerEpoch: 1 });
    expect(events).toEqual([{ type: "started", workflowId: "a", owner: N1, index: logIndex(1) }]);
  });

  test("a duplicate Start is a no-op returning the existing execution", () => {
    const { sm, apply } = machine();
    apply(start("a"));
    apply(checkpoint("a", 0));
    const result = apply(start("a", { owner: N2, seed: 9, startedAtMs: 5_000 }));
    expect(result).toMatchObject({ type: "started", isNew: false });
    expect(result.type === "started" && result.execution.checkpointCount).toBe(1);
    expect(sm.execution("a")?.owner).toBe(N1);
    expect(sm.execution("a")?.startedAtMs).toBe(1_000);
  });

  test.each([
    ["other input", { input: "other" }, "ping_pong v1 with other input;"],
    ["another version", { version: 2 }, "ping_pong v1;"],
    ["another workflow", { name: "other_workflow" }, "ping_pong v1;"],
  ])(
    "a Start of a known id with %s is refused, naming the id and what differs",
    (_, extra, what) => {
      const { sm, apply, events } = machine();
      apply(start("order-1"));
      events.length = 0;
      const result = apply(start("order-1", { owner: N2, ...extra }));
      expect(result).toMatchObject({ type: "refused", reason: "already-exists" });
      expect(result.type === "refused" && result.message).toContain(
        `workflow order-1 already exists as ${what}`,
      );
      expect(sm.execution("order-1")).toMatchObject({ input: "ping", owner: N1, version: 1 });
      expect(events).toEqual([]);
    },
  );

  test("a finished execution answers a repeated Start with its outcome, never a new run", () => {
    const { sm, apply } = machine();
    apply(start("order-1"));
    apply(complete("order-1"));
    const result = apply(start("order-1"));
    expect(result).toMatchObject({ type: "started", isNew: false });
    expect(result.type === "started" && result.execution).toMatchObject({
      status: "Completed",
      output: "pong",
    });
    expect(sm.runningCount()).toBe(0);
  });

  test("a (name, version) this node has no code for is applied like any other", () => {
    // Replicas with different --workflows (a rolling upgrade, a rollback) must not diverge:
    // the proposer checked the pair, and the owner needs the code, not every replica.
    const { sm, apply } = machine();
    expect(apply(start("a", { version: 9 }))).toMatchObject({ type: "started", isNew: true });
    expect(sm.status("a")).toMatchObject({ status: "Running", name: "ping_pong", version: 9 });
  });

  test("Start is refused while runningExecutionsMax executions run", () => {
    const { apply } = machine({
      finishedRetainedMax: 10,
      finishedRetainedBytesMax: 1 << 20,
      runningExecutionsMax: 1,
      checkpointsPerExecutionMax: 10,
    });
    apply(start("a"));
    expect(apply(start("b"))).toMatchObject({ type: "refused", reason: "limit" });
    apply(complete("a"));
    expect(apply(start("b"))).toMatchObject({ type: "started", isNew: true });
  });
});

describe("WorkflowStateMachine: Checkpoint", () => {
  test("accepts only the next seq under the current epoch", () => {
    const { sm, apply } = machine();
    apply(start("a"));
    expect(apply(checkpoint("a", 0))).toEqual({
      type: "recorded",
      workflowId: "a",
      seq: 0,
      isDuplicate: false,
    });
    expect(apply(checkpoint("a", 2))).toMatchObject({
      type: "refused",
      reason: "out-of-order",
      recordedCount: 1,
    });
    expect(sm.execution("a")?.checkpoints.map((c) => c.seq)).toEqual([0]);
  });

  test("an identical re-proposal of a recorded seq is acknowledged, not applied again", () => {
    const { sm, apply, events } = machine();
    apply(start("a"));
    apply(checkpoint("a", 0));
    apply(checkpoint("a", 1));
    events.length = 0;
    expect(apply(checkpoint("a", 1))).toMatchObject({ type: "recorded", isDuplicate: true });
    expect(apply(checkpoint("a", 0))).toMatchObject({ type: "recorded", isDuplicate: true });
    expect(sm.execution("a")?.checkpoints).toHaveLength(2);
    expect(events).toEqual([]);
  });

  test("a different outcome at a recorded seq is refused, the record unchanged", () => {
    const { sm, apply } = machine();
    apply(start("a"));
    apply(checkpoint("a", 0, 1, "first"));
    expect(apply(checkpoint("a", 0, 1, "second"))).toMatchObject({ reason: "out-of-order" });
    const recorded = sm.execution("a")?.checkpoints[0]?.outcome;
    expect(recorded).toEqual({ ok: true, value: "first" });
  });

  test("a stale owner epoch is rejected and the result says so", () => {
    const { sm, apply } = machine();
    apply(start("a"));
    apply({ type: "AssignOwner", workflowId: "a", owner: N2, epoch: 2 });
    const result = apply(checkpoint("a", 0, 1));
    expect(result).toMatchObject({ type: "refused", reason: "stale-epoch", currentEpoch: 2 });
    expect(sm.execution("a")?.checkpoints).toHaveLength(0);
    expect(apply(checkpoint("a", 0, 2))).toMatchObject({ type: "recorded" });
    expect(sm.execution("a")?.checkpoints[0]?.ownerEpoch).toBe(2);
  });

  test("unknown and finished executions refuse checkpoints", () => {
    const { apply } = machine();
    expect(apply(checkpoint("nope", 0))).toMatchObject({ reason: "not-found" });
    apply(start("a"));
    apply(complete("a"));
    expect(apply(checkpoint("a", 0))).toMatchObject({ reason: "not-running" });
  });

  test("checkpointsPerExecutionMax bounds an execution's record", () => {
    const { apply } = machine({
      finishedRetainedMax: 10,
      finishedRetainedBytesMax: 1 << 20,
      runningExecutionsMax: 10,
      checkpointsPerExecutionMax: 2,
    });
    apply(start("a"));
    apply(checkpoint("a", 0));
    apply(checkpoint("a", 1));
    expect(apply(checkpoint("a", 2))).toMatchObject({
      reason: "limit",
      message: expect.stringContaining(
        "reached the limit of 2 recorded calls (steps, checkpoints, waits and what ended them); split long work into child workflows",
      ),
    });
  });
});

describe("WorkflowStateMachine: Complete, Fail, AssignOwner", () => {
  test("Complete ends the execution once; an identical repeat is acknowledged", () => {
    const { sm, apply, events } = machine();
    apply(start("a"));
    expect(apply(complete("a"))).toMatchObject({ type: "finished", isDuplicate: false });
    expect(apply(complete("a"))).toMatchObject({ type: "finished", isDuplicate: true });
    const fail = {
      type: "Fail",
      workflowId: "a",
      ownerEpoch: 1,
      error: { name: "Error", message: "x" },
      finishedAtMs: 3,
    } as const;
    expect(apply(fail)).toMatchObject({ type: "refused", reason: "not-running" });
    expect(sm.status("a")).toMatchObject({ status: "Completed", output: "pong" });
    expect(events.filter((e) => e.type === "finished")).toHaveLength(1);
    expect(sm.runningCount()).toBe(0);
  });

  test("Fail from a stale epoch is rejected", () => {
    const { sm, apply } = machine();
    apply(start("a"));
    apply({ type: "AssignOwner", workflowId: "a", owner: N2, epoch: 2 });
    const fail = {
      type: "Fail",
      workflowId: "a",
      ownerEpoch: 1,
      error: { name: "Error", message: "late" },
      finishedAtMs: 3,
    } as const;
    expect(apply(fail)).toMatchObject({ reason: "stale-epoch" });
    expect(sm.status("a")?.status).toBe("Running");
    expect(apply({ ...fail, ownerEpoch: 2 })).toMatchObject({ type: "finished" });
    expect(sm.status("a")?.error).toEqual({ name: "Error", message: "late" });
  });

  test("AssignOwner needs epoch = current + 1", () => {
    const { sm, apply } = machine();
    apply(start("a"));
    expect(apply({ type: "AssignOwner", workflowId: "a", owner: N2, epoch: 3 })).toMatchObject({
      reason: "stale-epoch",
    });
    expect(apply({ type: "AssignOwner", workflowId: "a", owner: N2, epoch: 2 })).toMatchObject({
      type: "ownerAssigned",
      owner: N2,
      epoch: 2,
    });
    // A second round planned from the same state loses.
    expect(apply({ type: "AssignOwner", workflowId: "a", owner: N1, epoch: 2 })).toMatchObject({
      reason: "stale-epoch",
    });
    expect(sm.status("a")).toMatchObject({ owner: N2, ownerEpoch: 2 });
  });
});

describe("WorkflowStateMachine: retention, snapshots, robustness", () => {
  test("the oldest finished executions are pruned past finishedRetainedMax", () => {
    const { sm, apply, events } = machine({
      finishedRetainedMax: 2,
      finishedRetainedBytesMax: 1 << 20,
      runningExecutionsMax: 10,
      checkpointsPerExecutionMax: 10,
    });
    for (const id of ["a", "b", "c", "d"]) apply(start(id));
    // Finish in an order different from the start order: pruning follows finish order.
    for (const id of ["c", "a", "d"]) apply(complete(id));
    expect(sm.status("c")).toBeUndefined();
    expect(sm.status("a")?.status).toBe("Completed");
    expect(sm.status("d")?.status).toBe("Completed");
    expect(sm.status("b")?.status).toBe("Running");
    expect(events.filter((e) => e.type === "pruned")).toEqual([
      { type: "pruned", workflowId: "c" },
    ]);
    sm.checkInvariants();
  });

  test("the oldest finished executions are pruned past finishedRetainedBytesMax", () => {
    const { sm, apply } = machine({
      finishedRetainedMax: 100,
      finishedRetainedBytesMax: 2_500,
      runningExecutionsMax: 10,
      checkpointsPerExecutionMax: 10,
    });
    const big = "x".repeat(1_000);
    for (const id of ["a", "b", "c"]) {
      apply(start(id, { input: big }));
      apply(complete(id));
    }
    // Each holds about 1 KB of input: the third pushes past 2.5 KB and the first goes.
    expect(sm.status("a")).toBeUndefined();
    expect(sm.status("b")?.status).toBe("Completed");
    expect(sm.status("c")?.status).toBe("Completed");
    sm.checkInvariants();
  });

  test("finished executions older than finishedRetainMs of log time are pruned", () => {
    const { sm, apply } = machine({
      finishedRetainedMax: 100,
      finishedRetainMs: 1_000,
      finishedRetainedBytesMax: 1 << 20,
      runningExecutionsMax: 10,
      checkpointsPerExecutionMax: 10,
    });
    apply(start("a", { startedAtMs: 1_000 }));
    apply(complete("a", 1, 2_000));
    apply(start("b", { startedAtMs: 2_500 }));
    expect(sm.status("a")).toBeDefined();
    apply(start("c", { startedAtMs: 3_001 }));
    expect(sm.status("a")).toBeUndefined();
    expect(sm.status("b")).toBeDefined();
  });

  test("snapshot and restore carry every execution, result and retention queue", () => {
    const first = machine({
      finishedRetainedMax: 2,
      finishedRetainedBytesMax: 1 << 20,
      runningExecutionsMax: 10,
      checkpointsPerExecutionMax: 10,
    });
    first.apply(start("a"));
    first.apply(checkpoint("a", 0));
    first.apply(start("b"));
    first.apply(complete("b"));
    first.apply({ type: "AssignOwner", workflowId: "a", owner: N2, epoch: 2 });
    const bytes = first.sm.snapshotAfter(new Uint8Array());
    const second = machine({
      finishedRetainedMax: 2,
      finishedRetainedBytesMax: 1 << 20,
      runningExecutionsMax: 10,
      checkpointsPerExecutionMax: 10,
    });
    second.sm.restore(bytes);
    expect(second.events).toEqual([{ type: "restored" }]);
    expect(second.sm.snapshotAfter(new Uint8Array())).toEqual(bytes);
    expect(second.sm.status("b")).toEqual(first.sm.status("b"));
    expect(second.sm.execution("a")).toEqual(first.sm.execution("a"));
    second.sm.checkInvariants();
    // Both continue identically.
    for (const m of [first, second]) m.apply(complete("a", 2));
    expect(second.sm.snapshotAfter(new Uint8Array())).toEqual(
      first.sm.snapshotAfter(new Uint8Array()),
    );
  });

  test("an empty snapshot restores an empty state", () => {
    const { sm } = machine();
    sm.restore(new Uint8Array());
    expect(sm.runningCount()).toBe(0);
    expect([...sm.executions()]).toEqual([]);
  });

  test("malformed commands are refused, never thrown, and change nothing", () => {
    const { sm } = machine();
    const bad = [
      new Uint8Array([0xff, 0xfe]),
      new TextEncoder().encode("[1,2]"),
      new TextEncoder().encode(JSON.stringify({ type: "Explode", workflowId: "a" })),
      new TextEncoder().encode(JSON.stringify({ ...start("a"), version: -1 })),
      new TextEncoder().encode(JSON.stringify({ ...checkpoint("a", 0), kind: "nap" })),
    ];
    bad.forEach((bytes, k) => {
      const result = sm.apply(bytes, (k + 1) as LogIndex);
      expect(result).toMatchObject({ type: "refused", reason: "malformed" });
    });
    expect([...sm.executions()]).toEqual([]);
  });

  test("applying an index twice or backwards is a bug", () => {
    const { sm } = machine();
    sm.apply(encodeCommand(start("a")), 5 as LogIndex);
    expect(() => sm.apply(encodeCommand(start("b")), 5 as LogIndex)).toThrow(AssertionError);
  });
});

describe("WorkflowStateMachine: draining (Seal) and handing results over (Adopt)", () => {
  test("after Seal every Start is refused, runs still finish, and the seal survives a snapshot", () => {
    const { sm, apply } = machine();
    apply(start("a"));
    expect(apply({ type: "Seal" })).toEqual({ type: "sealed" });
    expect(apply(start("b"))).toMatchObject({ type: "refused", reason: "sealed" });
    // A duplicate Start of a known id still answers with the existing execution.
    expect(apply(start("a"))).toMatchObject({ type: "started", isNew: false });
    expect(apply(complete("a"))).toMatchObject({ type: "finished", status: "Completed" });
    const restored = machine();
    restored.sm.restore(sm.snapshotAfter(new Uint8Array()));
    expect(restored.sm.isSealed()).toBe(true);
  });

  test("Adopt takes over finished executions once; the heir serves their results", () => {
    const drained = machine();
    drained.apply(start("a"));
    drained.apply(checkpoint("a", 0));
    drained.apply(complete("a"));
    drained.apply(start("b"));
    drained.apply({
      type: "Fail",
      workflowId: "b",
      ownerEpoch: 1,
      error: { name: "Error", message: "boom" },
      finishedAtMs: 2_500,
    });
    const records = drained.sm.finishedExecutions();
    expect(records.map((record) => record.workflowId)).toEqual(["a", "b"]);

    const heir = machine();
    heir.apply(start("c"));
    expect(heir.apply({ type: "Adopt", records })).toEqual({ type: "adopted", count: 2 });
    expect(heir.apply({ type: "Adopt", records })).toEqual({ type: "adopted", count: 0 });
    expect(heir.sm.execution("a")).toEqual(drained.sm.execution("a"));
    expect(heir.sm.status("b")).toMatchObject({ status: "Failed", error: { message: "boom" } });
    expect(heir.sm.runningCount()).toBe(1);
    heir.sm.checkInvariants();
    // Adopted results are ordinary finished executions: snapshots carry them.
    const restored = machine();
    restored.sm.restore(heir.sm.snapshotAfter(new Uint8Array()));
    expect(restored.sm.execution("b")).toEqual(drained.sm.execution("b"));
  });

  test("a sealed group refuses to adopt: it is handing its own results over", () => {
    const drained = machine();
    drained.apply(start("a"));
    drained.apply(complete("a"));
    const heir = machine();
    heir.apply({ type: "Seal" });
    const result = heir.apply({ type: "Adopt", records: drained.sm.finishedExecutions() });
    expect(result).toMatchObject({ type: "refused", reason: "sealed" });
    expect(heir.sm.status("a")).toBeUndefined();
  });

  test("an Adopt carrying a running or malformed record is refused as malformed", () => {
    const { sm } = machine();
    const running = { ...start("a"), ownerEpoch: 1, status: "Running", checkpoints: [] };
    const gap = {
      ...start("b"),
      ownerEpoch: 1,
      status: "Completed",
      output: "pong",
      finishedAtMs: 2_000,
      checkpoints: [{ ...checkpoint("b", 1), seq: 1 }],
    };
    for (const record of [running, gap, { workflowId: "c" }]) {
      const bytes = new TextEncoder().encode(JSON.stringify({ type: "Adopt", records: [record] }));
      const result = sm.apply(bytes, (sm.lastAppliedIndex() + 1) as LogIndex);
      expect(result).toMatchObject({ type: "refused", reason: "malformed" });
    }
    expect([...sm.executions()]).toEqual([]);
  });
});
