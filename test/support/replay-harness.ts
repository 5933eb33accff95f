// Runs one workflow function through the replay engine with fake effects: every proposed
// checkpoint is "recorded" after a microtask, time is a counter the test controls, and the
// record of one run can be handed to the next (replay, or a new owner after a failover).

import { createLogger, type NodeId } from "../../src/lib/index.ts";
import {
  type CheckpointRecord,
  type DeterminismGuards,
  defineWorkflow,
  type JsonValue,
  type ReplayEffects,
  type ReplayOutcome,
  ReplayRun,
  RUNTIME_VERSION,
  type WorkflowContext,
  WorkflowRegistry,
} from "../../src/workflow/index.ts";

export type WorkflowFn = (input: JsonValue, ctx: WorkflowContext) => Promise<unknown>;

export interface ReplayHarnessRun {
  readonly from?: readonly CheckpointRecord[];
  readonly runtimeVersion?: number;
  readonly ownerEpoch?: number;
  readonly guards?: DeterminismGuards;
  readonly startedAtMs?: number;
}

export class ReplayHarness {
  /** Checkpoints this harness recorded, over all its runs. */
  readonly recorded: CheckpointRecord[] = [];
  /** Next `atMs` handed out (each call to the wall clock moves it up by one). */
  wallMs = 5_000;
  /** Answers of the next record() calls (true = recorded); true once empty. */
  verdicts: boolean[] = [];
  /** Called inside record(), outside the workflow scope: what node code sees meanwhile. */
  onRecord: (checkpoint: CheckpointRecord) => void = () => undefined;

  run(fn: WorkflowFn, options: ReplayHarnessRun = {}): Promise<ReplayOutcome> {
    const effects: ReplayEffects = {
      record: async (checkpoint) => {
        this.onRecord(checkpoint);
        await Promise.resolve();
        const verdict = this.verdicts.shift() ?? true;
        if (verdict) this.recorded.push(checkpoint);
        return verdict;
      },
      sleep: async () => undefined,
      wallClockMs: () => this.wallMs++,
      monotonicMs: () => this.wallMs,
      stepRan: () => undefined,
      nextEvent: () => undefined,
    };
    const workflow = new WorkflowRegistry([
      defineWorkflow(
        "test",
        1,
        fn as (input: JsonValue, ctx: WorkflowContext) => Promise<JsonValue>,
      ),
    ]).require("test", 1);
    return new ReplayRun({
      execution: {
        workflowId: "wf-1",
        name: "test",
        version: 1,
        input: null,
        runtimeVersion: options.runtimeVersion ?? RUNTIME_VERSION,
        seed: 42,
        startedAtMs: options.startedAtMs ?? 1_000,
        owner: 1 as NodeId,
        ownerEpoch: options.ownerEpoch ?? 1,
        status: "Running",
        checkpoints: [...(options.from ?? [])],
      },
      workflow,
      effects,
      logger: createLogger({ level: "error", format: "text", write: () => undefined }),
      ...(options.guards === undefined ? {} : { guards: options.guards }),
    }).run();
  }

  /** [seq, kind, name] of what was recorded: easy to compare. */
  calls(): [number, string, string][] {
    return this.recorded.map((c) => [c.seq, c.kind, c.name]);
  }
}
