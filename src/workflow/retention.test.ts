import { describe, expect, test } from "bun:test";
import type { LogIndex, NodeId, RetentionSetting } from "../lib/index.ts";
import { EVICTED_PHRASE } from "./apply-retention.ts";
import { decodeCommand, encodeCommand, type WorkflowCommand } from "./commands.ts";
import { DEFAULT_WORKFLOW_STATE_CONFIG, EVICTED_IDS_MAX } from "./execution-table.ts";
import { registryWithBuiltins } from "./ping-pong.ts";
import { WorkflowStateMachine } from "./state-machine.ts";

const N1 = 1 as NodeId;
const HOUR_MS = 3_600_000;

function machine() {
  const sm = new WorkflowStateMachine({ registry: registryWithBuiltins() });
  const apply = (command: WorkflowCommand) =>
    sm.apply(encodeCommand(command), (sm.lastAppliedIndex() + 1) as LogIndex);
  return { sm, apply };
}

type Apply = ReturnType<typeof machine>["apply"];

function configure(retention: Partial<RetentionSetting> = {}): WorkflowCommand {
  return {
    type: "Configure",
    retention: { finishedMax: 2, retainForMs: 0, retainAtLeastMs: HOUR_MS, ...retention },
  };
}

function start(workflowId: string, atMs: number): WorkflowCommand {
  return {
    type: "Start",
    workflowId,
    name: "ping_pong",
    version: 1,
    input: "ping",
    owner: N1,
    startedAtMs: atMs,
    seed: 7,
    runtimeVersion: 1,
  };
}

/** Starts and completes `workflowId` at log time `atMs`. */
function run(apply: Apply, workflowId: string, atMs: number) {
  expect(apply(start(workflowId, atMs))).toMatchObject({ type: "started", isNew: true });
  return apply({
    type: "Complete",
    workflowId,
    ownerEpoch: 1,
    output: "pong",
    finishedAtMs: atMs,
  });
}

describe("Configure", () => {
  test("sets the group's retention, and the count applies from then on", () => {
    const { sm, apply } = machine();
    run(apply, "a", 0);
    run(apply, "b", 1);
    run(apply, "c", 2);
    expect(sm.retention()).toBeUndefined();
    const result = apply(configure({ finishedMax: 1, retainAtLeastMs: 0 }));
    expect(result).toEqual({
      type: "configured",
      retention: { finishedMax: 1, retainForMs: 0, retainAtLeastMs: 0 },
    });
    expect(sm.retention()?.finishedMax).toBe(1);
    // Pruning follows the Configure at once: only the newest result is kept.
    expect([...sm.executions()].map((e) => e.workflowId)).toEqual(["c"]);
    expect(sm.evicted("a")).toEqual({ status: "Completed", finishedAtMs: 0, evictedAtMs: 2 });
    sm.checkInvariants();
  });

  test("a Configure that breaks the setting's rules is refused as malformed", () => {
    const bad = [
      { finishedMax: 0, retainForMs: 0, retainAtLeastMs: 0 },
      { finishedMax: 5, retainForMs: 1000, retainAtLeastMs: 2000 },
      { finishedMax: 5, retainForMs: -1, retainAtLeastMs: 0 },
    ];
    for (const retention of bad) {
      const decoded = decodeCommand(encodeCommand({ type: "Configure", retention }));
      expect(decoded.ok).toBe(false);
      const { sm, apply } = machine();
      expect(apply({ type: "Configure", retention })).toMatchObject({
        type: "refused",
        reason: "malformed",
      });
      expect(sm.retention()).toBeUndefined();
    }
  });

  test("retainForMs prunes results older than it, whatever the count", () => {
    const { sm, apply } = machine();
    apply(configure({ finishedMax: 100, retainForMs: 2 * HOUR_MS }));
    run(apply, "a", 0);
    run(apply, "b", HOUR_MS);
    run(apply, "c", 2 * HOUR_MS + 1);
    expect(sm.execution("a")).toBeUndefined();
    expect(sm.evicted("a")?.evictedAtMs).toBe(2 * HOUR_MS + 1);
    expect(sm.execution("b")).toBeDefined();
  });
});

describe("Expire", () => {
  test("moves log time to its time: what outlived retainForMs by then is pruned", () => {
    const { sm, apply } = machine();
    apply(configure({ finishedMax: 100, retainForMs: 2 * HOUR_MS, retainAtLeastMs: 0 }));
    expect(sm.nextExpiryMs()).toBeUndefined();
    run(apply, "a", 0);
    run(apply, "b", HOUR_MS);
    // Nothing else comes: the leader proposes the time, once "a" outlived the limit.
    expect(sm.nextExpiryMs()).toBe(2 * HOUR_MS);
    expect(apply({ type: "Expire", atMs: 2 * HOUR_MS + 1 })).toEqual({
      type: "expired",
      atMs: 2 * HOUR_MS + 1,
    });
    expect(sm.execution("a")).toBeUndefined();
    expect(sm.evicted("a")?.evictedAtMs).toBe(2 * HOUR_MS + 1);
    expect(sm.execution("b")).toBeDefined();
    expect(sm.nextExpiryMs()).toBe(3 * HOUR_MS);
    // Time never goes back: an older Expire changes nothing.
    apply({ type: "Expire", atMs: 0 });
    expect(sm.execution("b")).toBeDefined();
    sm.checkInvariants();
  });

  test("without a time limit, or before any Configure, nothing ever expires", () => {
    const { sm, apply } = machine();
    run(apply, "a", 0);
    expect(sm.nextExpiryMs()).toBeUndefined();
    apply(configure({ finishedMax: 100, retainForMs: 0, retainAtLeastMs: 0 }));
    expect(sm.nextExpiryMs()).toBeUndefined();
    const command: WorkflowCommand = { type: "Expire", atMs: 5 };
    expect(decodeCommand(encodeCommand(command))).toEqual({ ok: true, command });
  });
});

describe("the retention floor", () => {
  test("a result younger than the floor is not pruned for the count", () => {
    const { sm, apply } = machine();
    apply(configure({ finishedMax: 2, retainAtLeastMs: HOUR_MS }));
    run(apply, "a", 0);
    run(apply, "b", 1000);
    run(apply, "c", 2000);
    // Three kept, over the count of 2: "a" is only 2 seconds old.
    expect([...sm.executions()].map((e) => e.workflowId)).toEqual(["a", "b", "c"]);
    expect(sm.evicted("a")).toBeUndefined();
    sm.checkInvariants();
  });

  test("once the oldest is past the floor, it is pruned", () => {
    const { sm, apply } = machine();
    apply(configure({ finishedMax: 2, retainAtLeastMs: HOUR_MS }));
    run(apply, "a", 0);
    run(apply, "b", 1000);
    run(apply, "c", 2000);
    run(apply, "d", HOUR_MS + 500);
    // "a" is an hour old now and goes; "b" is not yet, so it stays (3 kept, over by one).
    expect([...sm.executions()].map((e) => e.workflowId)).toEqual(["b", "c", "d"]);
  });

  test("new starts are refused while the limit is exceeded within the floor", () => {
    const { sm, apply } = machine();
    apply(configure({ finishedMax: 2, retainAtLeastMs: HOUR_MS }));
    run(apply, "a", 0);
    run(apply, "b", 1000);
    run(apply, "c", 2000);
    const refused = apply(start("d", 3000));
    expect(refused).toMatchObject({ type: "refused", reason: "limit", workflowId: "d" });
    if (refused.type !== "refused") throw new Error("expected a refusal");
    expect(refused.message).toContain("retention floor");
    expect(refused.message).toContain(
      "raise the count with 'raftoral cluster retention --count N'",
    );
    expect(sm.execution("d")).toBeUndefined();
    // A repeated Start of a kept id still answers it.
    expect(apply(start("c", 3000))).toMatchObject({ type: "started", isNew: false });
    // The Start's own log time can make room: "a" is past the floor at this Start.
    expect(apply(start("e", HOUR_MS + 1))).toMatchObject({ type: "started", isNew: true });
    expect(sm.execution("a")).toBeUndefined();
    sm.checkInvariants();
  });

  test("over the byte bound, the refusal says that only a lower floor makes room", () => {
    const sm = new WorkflowStateMachine({
      registry: registryWithBuiltins(),
      config: { ...DEFAULT_WORKFLOW_STATE_CONFIG, finishedRetainedBytesMax: 100 },
    });
    const apply = (command: WorkflowCommand) =>
      sm.apply(encodeCommand(command), (sm.lastAppliedIndex() + 1) as LogIndex);
    apply(configure({ finishedMax: 1_000, retainAtLeastMs: HOUR_MS }));
    for (let k = 0; k < 5; k++) run(apply, `w${k}`, k);
    const refused = apply(start("next", 10));
    if (refused.type !== "refused") throw new Error("expected a refusal");
    expect(refused.message).toContain("(1000 workflows, 100 bytes)");
    expect(refused.message).toEndWith(
      "the 100-byte bound is fixed: lower the floor with 'raftoral cluster retention " +
        "--at-least DURATION' so that older results may go",
    );
  });

  test("without a Configure (old logs) the count prunes at once, as before", () => {
    const { sm, apply } = machine();
    for (let k = 0; k < 10_002; k++) run(apply, `w${k}`, k);
    expect(sm.execution("w0")).toBeUndefined();
    expect(sm.execution("w1")).toBeUndefined();
    expect(sm.execution("w2")).toBeDefined();
    // Nothing is recorded as evicted: such a group behaves exactly as older versions did.
    expect(sm.evicted("w0")).toBeUndefined();
  });
});

describe("evicted ids", () => {
  test("a Start of an evicted id is refused, naming the retention", () => {
    const { sm, apply } = machine();
    apply(configure({ finishedMax: 1, retainAtLeastMs: 0 }));
    run(apply, "a", 0);
    run(apply, "b", 1);
    expect(sm.execution("a")).toBeUndefined();
    const refused = apply(start("a", 2));
    expect(refused).toMatchObject({ type: "refused", reason: "evicted", workflowId: "a" });
    if (refused.type !== "refused") throw new Error("expected a refusal");
    expect(refused.message).toContain(EVICTED_PHRASE);
    expect(refused.message).toContain("1 finished workflows, at least 0s");
    expect(sm.evictedMessage("a")).toContain("workflow a finished (Completed)");
    expect(sm.evictedMessage("b")).toBeUndefined();
  });

  test(`at most EVICTED_IDS_MAX (${EVICTED_IDS_MAX}) are remembered, oldest forgotten first`, () => {
    const { sm, apply } = machine();
    apply(configure({ finishedMax: 1, retainAtLeastMs: 0 }));
    for (let k = 0; k < EVICTED_IDS_MAX + 2; k++) run(apply, `w${k}`, k);
    // w0 .. w(MAX) were evicted: MAX + 1 ids, so w0 is forgotten.
    expect(sm.evicted("w0")).toBeUndefined();
    expect(sm.evicted("w1")).toBeDefined();
    expect(sm.evicted(`w${EVICTED_IDS_MAX}`)).toBeDefined();
    sm.checkInvariants();
    // A forgotten id may run again: the record is bounded, and the docs say so.
    expect(apply(start("w0", EVICTED_IDS_MAX + 5))).toMatchObject({ type: "started" });
  });

  test("an adopted result of an evicted id takes its place again", () => {
    const { sm, apply } = machine();
    apply(configure({ finishedMax: 1, retainAtLeastMs: 0 }));
    run(apply, "a", 0);
    const record = sm.execution("a");
    run(apply, "b", 1);
    expect(sm.evicted("a")).toBeDefined();
    if (record === undefined) throw new Error("a was kept before b finished");
    expect(apply({ type: "Adopt", records: [record] })).toEqual({ type: "adopted", count: 1 });
    // "a" joins the end of the queue: the count of 1 now evicts "b", which finished first.
    expect(sm.execution("a")?.status).toBe("Completed");
    expect(sm.evicted("a")).toBeUndefined();
    expect(sm.evicted("b")).toBeDefined();
    sm.checkInvariants();
  });
});

describe("snapshot", () => {
  test("round-trips retention and the evicted ids", () => {
    const { sm, apply } = machine();
    apply(configure({ finishedMax: 1, retainForMs: 2 * HOUR_MS, retainAtLeastMs: 0 }));
    run(apply, "a", 0);
    run(apply, "b", 1);
    const copy = new WorkflowStateMachine({ registry: registryWithBuiltins() });
    copy.restore(sm.snapshotAfter(new Uint8Array()));
    expect(copy.retention()).toEqual(sm.retention());
    expect(copy.evicted("a")).toEqual(sm.evicted("a"));
    expect(copy.execution("b")).toEqual(sm.execution("b"));
    copy.checkInvariants();
  });

  test("restores a snapshot written before retention was configurable", () => {
    // Exactly what the previous version wrote: no retention, no evicted ids.
    const old = {
      format: 1,
      lastAppliedIndex: 2,
      logTimeMs: 5,
      executions: [
        {
          workflowId: "a",
          name: "ping_pong",
          version: 1,
          input: "ping",
          runtimeVersion: 1,
          seed: 7,
          startedAtMs: 1,
          owner: 1,
          ownerEpoch: 1,
          status: "Completed",
          checkpoints: [],
          output: "pong",
          finishedAtMs: 5,
        },
      ],
      finishedOrder: ["a"],
      isSealed: false,
    };
    const sm = new WorkflowStateMachine({ registry: registryWithBuiltins() });
    sm.restore(new TextEncoder().encode(JSON.stringify(old)));
    expect(sm.retention()).toBeUndefined();
    expect(sm.status("a")?.status).toBe("Completed");
    // And it writes no new fields back until a Configure is applied.
    const written = JSON.parse(new TextDecoder().decode(sm.snapshotAfter(new Uint8Array())));
    expect(written.retention).toBeUndefined();
    expect(written.evicted).toBeUndefined();
  });
});
