import { describe, expect, test } from "bun:test";
import type { LogIndex, NodeId } from "../lib/index.ts";
import { encodeCommand, type WorkflowCommand } from "./commands.ts";
import { defineWorkflow } from "./definition.ts";
import { type DescribedStatus, describedStatusOf } from "./describe.ts";
import type { WorkflowStateConfig } from "./execution-table.ts";
import type { ExecutionSummary, ListQuery } from "./list.ts";
import { registryWithBuiltins } from "./ping-pong.ts";
import { compareStartKeys } from "./start-order.ts";
import { WorkflowStateMachine } from "./state-machine.ts";

const N1 = 1 as NodeId;
const OTHER = defineWorkflow("other", 1, async () => "x");

function machine(config?: Partial<WorkflowStateConfig>) {
  const sm = new WorkflowStateMachine({
    registry: registryWithBuiltins([OTHER]),
    config: {
      finishedRetainedMax: 1_000,
      finishedRetainedBytesMax: 64 * 1024 * 1024,
      runningExecutionsMax: 1_000,
      checkpointsPerExecutionMax: 100,
      ...config,
    },
  });
  const apply = (command: WorkflowCommand) =>
    sm.apply(encodeCommand(command), (sm.lastAppliedIndex() + 1) as LogIndex);
  return { sm, apply };
}

function start(workflowId: string, startedAtMs: number, name = "ping_pong"): WorkflowCommand {
  const input = name === "ping_pong" ? "ping" : null;
  return {
    type: "Start",
    workflowId,
    name,
    version: 1,
    input,
    owner: N1,
    startedAtMs,
    seed: 1,
    runtimeVersion: 1,
  };
}

function finish(workflowId: string, isFailed = false, finishedAtMs = 9_000): WorkflowCommand {
  return isFailed
    ? {
        type: "Fail",
        workflowId,
        ownerEpoch: 1,
        error: { name: "Error", message: "no" },
        finishedAtMs,
      }
    : { type: "Complete", workflowId, ownerEpoch: 1, output: "pong", finishedAtMs };
}

function sleep(workflowId: string): WorkflowCommand {
  const outcome = { ok: true, value: { sleepMs: 500 } } as const;
  return {
    type: "Checkpoint",
    workflowId,
    ownerEpoch: 1,
    seq: 0,
    kind: "sleep",
    name: "nap",
    outcome,
    atMs: 5_000,
  };
}

const ids = (summaries: readonly ExecutionSummary[]) => summaries.map((s) => s.workflowId);

/** Every page of `query`, following the last summary of each as the cursor. */
function allPages(sm: WorkflowStateMachine, query: ListQuery): string[][] {
  const pages: string[][] = [];
  let after: ListQuery["after"];
  for (;;) {
    const page = sm.list({ ...query, ...(after === undefined ? {} : { after }) });
    pages.push(ids(page.summaries));
    const last = page.summaries.at(-1);
    if (!page.hasMore || last === undefined) return pages;
    after = last;
  }
}

describe("WorkflowStateMachine.list", () => {
  test("newest first by start time, then by id, whatever order the starts came in", () => {
    const { sm, apply } = machine();
    // Proposers' clocks differ: a later entry may carry an earlier time.
    apply(start("b", 2_000));
    apply(start("a", 3_000));
    apply(start("c", 1_000));
    apply(start("z", 2_000));
    apply(start("y", 2_000));
    const page = sm.list({ limit: 10 });
    expect(ids(page.summaries)).toEqual(["a", "z", "y", "b", "c"]);
    expect(page.hasMore).toBe(false);
    expect(page.summaries[0]).toEqual({
      workflowId: "a",
      name: "ping_pong",
      version: 1,
      status: "running",
      owner: N1,
      startedAtMs: 3_000,
    });
    sm.checkInvariants();
  });

  test("pages split equal start times without losing or repeating one", () => {
    const { sm, apply } = machine();
    for (const id of ["e", "a", "d", "b", "c"]) apply(start(id, 1_000));
    apply(start("f", 500));
    expect(allPages(sm, { limit: 2 })).toEqual([
      ["e", "d"],
      ["c", "b"],
      ["a", "f"],
    ]);
    expect(allPages(sm, { limit: 3 })).toEqual([
      ["e", "d", "c"],
      ["b", "a", "f"],
    ]);
  });

  test("filters by status words, name and a start-time range", () => {
    const { sm, apply } = machine();
    apply(start("run", 1_000));
    apply(start("nap", 2_000));
    apply(sleep("nap"));
    apply(start("done", 3_000));
    apply(finish("done"));
    apply(start("bad", 4_000));
    apply(finish("bad", true));
    apply(start("other", 5_000, "other"));
    const list = (query: Omit<ListQuery, "limit">) =>
      ids(sm.list({ limit: 10, ...query }).summaries);
    expect(list({ statuses: ["running"] })).toEqual(["other", "run"]);
    expect(list({ statuses: ["sleeping"] })).toEqual(["nap"]);
    expect(list({ statuses: ["completed", "failed"] })).toEqual(["bad", "done"]);
    expect(list({ statuses: ["failed", "sleeping"] })).toEqual(["bad", "nap"]);
    expect(list({ statuses: ["waiting"] })).toEqual([]);
    expect(list({ name: "other" })).toEqual(["other"]);
    expect(list({ name: "ping_pong", statuses: ["running"] })).toEqual(["run"]);
    expect(list({ name: "nope" })).toEqual([]);
    // startedAfterMs is inclusive, startedBeforeMs exclusive.
    expect(list({ startedAfterMs: 2_000, startedBeforeMs: 4_000 })).toEqual(["done", "nap"]);
    expect(sm.list({ limit: 1, statuses: ["completed"] }).summaries[0]).toMatchObject({
      status: "completed",
      finishedAtMs: 9_000,
    });
  });

  test("pruned executions leave the list; the index stays consistent", () => {
    const { sm, apply } = machine({ finishedRetainedMax: 2 });
    for (let i = 0; i < 5; i++) {
      apply(start(`w${i}`, 1_000 + i));
      apply(finish(`w${i}`));
    }
    apply(start("live", 500));
    sm.checkInvariants();
    expect(ids(sm.list({ limit: 10 }).summaries)).toEqual(["w4", "w3", "live"]);
    expect(ids(sm.list({ limit: 10, statuses: ["completed"] }).summaries)).toEqual(["w4", "w3"]);
  });

  test("a cursor stays put while new workflows start and old ones are pruned", () => {
    const { sm, apply } = machine({ finishedRetainedMax: 1 });
    for (let i = 0; i < 6; i++) apply(start(`w${i}`, 1_000 + i));
    const first = sm.list({ limit: 2 });
    expect(ids(first.summaries)).toEqual(["w5", "w4"]);
    apply(start("newer", 2_000));
    apply(start("skewed", 1_001)); // an earlier proposer clock: it lands below the cursor
    for (const id of ["w0", "w5"]) apply(finish(id)); // w0 is pruned: only one is retained
    const after = first.summaries.at(-1);
    const second = sm.list({ limit: 10, ...(after === undefined ? {} : { after }) });
    expect(ids(second.summaries)).toEqual(["w3", "w2", "w1", "skewed"]);
  });

  test("a snapshot restore and an Adopt keep the executions listed", () => {
    const { sm, apply } = machine();
    apply(start("a", 1_000));
    apply(start("b", 2_000, "other"));
    apply(finish("b"));
    const restored = machine().sm;
    restored.restore(sm.snapshotAfter(new Uint8Array()));
    restored.checkInvariants();
    expect(restored.list({ limit: 10 })).toEqual(sm.list({ limit: 10 }));
    const heir = machine();
    heir.apply({ type: "Adopt", records: sm.finishedExecutions() });
    heir.sm.checkInvariants();
    expect(ids(heir.sm.list({ limit: 10, name: "other" }).summaries)).toEqual(["b"]);
  });

  test("matches a sort of every record, for random starts, ends, prunes and filters", () => {
    let seed = 42;
    const next = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    const { sm, apply } = machine({ finishedRetainedMax: 40 });
    const running: string[] = [];
    for (let i = 0; i < 300; i++) {
      if (running.length > 0 && next(3) === 0) {
        const [id] = running.splice(next(running.length), 1);
        if (id !== undefined) apply(finish(id, next(2) === 0));
      } else {
        const id = `w${i}`;
        apply(start(id, 1_000 + next(50), next(2) === 0 ? "ping_pong" : "other"));
        running.push(id);
      }
    }
    sm.checkInvariants();
    const queries: Omit<ListQuery, "limit">[] = [
      {},
      { statuses: ["running"] },
      { statuses: ["completed", "failed"] },
      { name: "other", statuses: ["failed"] },
      { startedAfterMs: 1_010, startedBeforeMs: 1_030 },
    ];
    for (const query of queries) {
      const expected = [...sm.executions()]
        .filter((r) => query.name === undefined || r.name === query.name)
        .filter((r) => query.statuses?.includes(describedStatusOf(r) as DescribedStatus) ?? true)
        .filter((r) => r.startedAtMs >= (query.startedAfterMs ?? 0))
        .filter((r) => r.startedAtMs < (query.startedBeforeMs ?? Infinity))
        .sort((a, b) => compareStartKeys(b, a))
        .map((r) => r.workflowId);
      expect(allPages(sm, { ...query, limit: 7 }).flat()).toEqual(expected);
    }
  });
});
