// Golden replay: recorded execution group logs (test/golden/*.json) are applied to a fresh
// state machine and replayed against the current workflow code and runtime. A change that
// would break executions already in a log (codec, apply rules, replay order, ctx.now or
// ctx.random derivation, ping_pong itself) fails here. Never fix a failure by re-recording:
// add a runtime version (src/workflow/runtime-version.ts) or a workflow version instead.

import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createLogger, type LogIndex } from "../../src/lib/index.ts";
import {
  type CheckpointRecord,
  type ExecutionState,
  encodeCommand,
  type ReplayEffects,
  type ReplayOutcome,
  ReplayRun,
  replayRandomAt,
  WorkflowStateMachine,
} from "../../src/workflow/index.ts";
import type { GoldenLog } from "./golden-format.ts";
import { goldenRegistry } from "./golden-workflows.ts";

const DIR = import.meta.dir;
const GOLDEN_FILES = readdirSync(DIR)
  .filter((file) => file.endsWith(".json") && file !== "ctx-random.json")
  .sort();

function load(file: string): GoldenLog {
  return JSON.parse(readFileSync(join(DIR, file), "utf8")) as GoldenLog;
}

function applyLog(golden: GoldenLog): ExecutionState {
  const sm = new WorkflowStateMachine({ registry: goldenRegistry() });
  let index = 0;
  for (const command of golden.log) sm.apply(encodeCommand(command), ++index as LogIndex);
  sm.checkInvariants();
  const execution = sm.execution(golden.workflowId);
  if (execution === undefined) throw new Error(`${golden.workflowId} missing after apply`);
  return execution;
}

const quiet = createLogger({ level: "error", format: "text", write: () => undefined });

function replay(execution: ExecutionState, effects: ReplayEffects): Promise<ReplayOutcome> {
  const workflow = goldenRegistry().require(execution.name, execution.version);
  return new ReplayRun({ execution, workflow, effects, logger: quiet }).run();
}

function expectedOutcome(golden: GoldenLog): ReplayOutcome {
  return golden.expected.status === "Completed"
    ? { type: "completed", output: golden.expected.output ?? null }
    : { type: "failed", error: golden.expected.error ?? { name: "?", message: "?" } };
}

/**
 * Effects that accept every checkpoint and replay the golden run: the wall clock reads the
 * time of the checkpoint the run is about to record (a timer's wake finds itself due, a
 * timed-out wait its deadline passed), and the inbox offers the event that checkpoint got.
 */
function resumingEffects(
  rest: readonly CheckpointRecord[],
  collected: CheckpointRecord[],
  cancelReason: string | undefined,
): ReplayEffects {
  const upcoming = () => rest[collected.length];
  return {
    // The cancel request is there (as applied) from the call that recorded it on.
    cancelRequested: () =>
      upcoming()?.kind === "cancel" && cancelReason !== undefined
        ? { reason: cancelReason }
        : undefined,
    record: async (checkpoint) => {
      collected.push(checkpoint);
      return true;
    },
    sleep: async () => undefined,
    wallClockMs: () => upcoming()?.atMs ?? Number.NaN,
    monotonicMs: () => 0,
    stepRan: () => undefined,
    nextEvent: (name) => {
      const next = upcoming();
      const value = next?.outcome.ok === true ? next.outcome.value : undefined;
      if (next?.kind !== "event" || typeof value !== "object" || value === null) return undefined;
      if (Array.isArray(value) || typeof value.eventId !== "string") return undefined;
      return { eventId: value.eventId, name, payload: value.payload ?? null, isConsumed: false };
    },
  };
}

/** The reason of the log's Cancel command, if it has one. */
function cancelReasonOf(golden: GoldenLog): string | undefined {
  const cancel = golden.log.find((command) => command.type === "Cancel");
  return cancel?.type === "Cancel" ? cancel.reason : undefined;
}

const comparable = (c: CheckpointRecord) => [c.seq, c.kind, c.name, c.outcome, c.atMs];

describe.each(GOLDEN_FILES)("golden %s", (file) => {
  const golden = load(file);

  test("the log applies to the recorded end", () => {
    const execution = applyLog(golden);
    expect(golden.runtimeVersion).toBe(execution.runtimeVersion);
    expect(execution.status).toBe(golden.expected.status);
    expect(execution.output).toEqual(golden.expected.output);
    expect(execution.error).toEqual(golden.expected.error);
    expect(execution.checkpoints).toHaveLength(golden.expected.checkpointCount);
    expect(execution.ownerEpoch).toBe(golden.expected.ownerEpoch);
  });

  test("a full replay reaches the same end with no new checkpoint", async () => {
    const execution = { ...applyLog(golden), status: "Running" as const };
    const outcome = await replay(execution, {
      record: async (checkpoint) => {
        throw new Error(`replay tried to record seq ${checkpoint.seq}: a side effect ran again`);
      },
      sleep: async () => undefined,
      wallClockMs: () => Number.NaN,
      monotonicMs: () => 0,
      stepRan: () => undefined,
      nextEvent: () => undefined,
    });
    expect(outcome).toEqual(expectedOutcome(golden));
  });

  test("resuming after any prefix records exactly the golden rest", async () => {
    const execution = applyLog(golden);
    const all = execution.checkpoints;
    for (let prefix = 0; prefix < all.length; prefix++) {
      const rest = all.slice(prefix);
      const collected: CheckpointRecord[] = [];
      const outcome = await replay(
        { ...execution, status: "Running", checkpoints: all.slice(0, prefix) },
        resumingEffects(rest, collected, cancelReasonOf(golden)),
      );
      expect({ prefix, outcome }).toEqual({ prefix, outcome: expectedOutcome(golden) });
      expect(collected.map(comparable)).toEqual(rest.map(comparable));
    }
  });
});

describe("golden ctx.random", () => {
  test("values of runtime version 1 never change", () => {
    const golden = JSON.parse(readFileSync(join(DIR, "ctx-random.json"), "utf8")) as {
      values: Record<string, number[]>;
    };
    for (const [seed, values] of Object.entries(golden.values)) {
      expect(values.map((_, n) => replayRandomAt(Number(seed), n))).toEqual(values);
    }
  });
});
