// The leader's retention pass: a result that finished while a clock was a day ahead no longer
// holds the group over its limits (refusing every start) until real time catches up.

import { describe, expect, test } from "bun:test";
import { createLogger, type GroupId, type LogIndex, type NodeId } from "../lib/index.ts";
import {
  decodeCommand,
  encodeCommand,
  registryWithBuiltins,
  type WorkflowCommand,
  WorkflowStateMachine,
} from "../workflow/index.ts";
import { syncRetention } from "./retention-sync.ts";

const REAL_MS = Date.UTC(2026, 11, 5, 12);
const DAY_MS = 86_400_000;
const FLOOR_MS = 20_000;
const RETENTION = { finishedMax: 2, retainForMs: 0, retainAtLeastMs: FLOOR_MS };

function group() {
  const machine = new WorkflowStateMachine({ registry: registryWithBuiltins() });
  const apply = (command: WorkflowCommand) =>
    machine.apply(encodeCommand(command), (machine.lastAppliedIndex() + 1) as LogIndex);
  const start = (workflowId: string, atMs: number) =>
    apply({
      type: "Start",
      workflowId,
      name: "ping_pong",
      version: 1,
      input: "ping",
      owner: 1 as NodeId,
      startedAtMs: atMs,
      seed: 7,
      runtimeVersion: 1,
    });
  const run = (workflowId: string, atMs: number) => {
    expect(start(workflowId, atMs)).toMatchObject({ type: "started", isNew: true });
    apply({ type: "Complete", workflowId, ownerEpoch: 1, output: "pong", finishedAtMs: atMs });
  };
  const proposed: WorkflowCommand[] = [];
  const lines: string[] = [];
  const logger = createLogger({ level: "info", format: "text", write: (line) => lines.push(line) });
  /** One pass of the group leader's retention sync, its clock at `nowMs`. */
  const pass = (nowMs: number) =>
    syncRetention(
      {
        wanted: RETENTION,
        machine,
        logger,
        wallClockMs: nowMs,
        propose: async (bytes) => {
          const decoded = decodeCommand(bytes);
          if (!decoded.ok) throw new Error("a malformed command was proposed");
          proposed.push(decoded.command);
          return apply(decoded.command);
        },
      },
      1 as GroupId,
    );
  apply({ type: "Configure", retention: RETENTION });
  return { start, run, pass, proposed, lines };
}

describe("syncRetention: a result from a clock that was ahead", () => {
  test("a result finished a day ahead no longer refuses new starts once the leader moves log time past it", async () => {
    const { start, run, pass, proposed, lines } = group();
    run("a", REAL_MS);
    run("during-skew", REAL_MS + DAY_MS);
    run("b", REAL_MS + 1_000);
    run("c", REAL_MS + 2_000);
    // Over the count, and the oldest kept result is under the floor by log time: refused,
    // and it would be until real time catches up with the clock that was ahead.
    expect(start("d", REAL_MS + 3_000)).toMatchObject({ type: "refused", reason: "limit" });
    await pass(REAL_MS + 4_000);
    expect(proposed).toEqual([{ type: "Expire", atMs: REAL_MS + DAY_MS + FLOOR_MS }]);
    expect(start("d", REAL_MS + 5_000)).toMatchObject({ type: "started", isNew: true });
    expect(lines.join("\n")).toContain(
      "ahead of this node's clock by more than the retention floor",
    );
  });

  test("a result less than a floor ahead of the leader's clock keeps its floor", async () => {
    const { start, run, pass, proposed } = group();
    run("a", REAL_MS);
    run("b", REAL_MS + 10_000);
    run("c", REAL_MS + 11_000);
    await pass(REAL_MS);
    expect(proposed).toEqual([]);
    expect(start("d", REAL_MS + 12_000)).toMatchObject({ type: "refused", reason: "limit" });
  });
});

describe("syncRetention: log time ahead of the leader's clock", () => {
  test("is said at warn, at most once a minute, and not for a lead within ten seconds", async () => {
    const { run, pass, lines } = group();
    run("a", REAL_MS + 5_000);
    await pass(REAL_MS);
    expect(lines.join("\n")).not.toContain("log time is");
    run("b", REAL_MS + 3_600_000);
    await pass(REAL_MS + 1_000);
    await pass(REAL_MS + 30_000);
    const warned = lines.filter((line) => line.includes("The group's log time is"));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toContain("3599 s ahead of this node's clock");
    await pass(REAL_MS + 62_000);
    expect(lines.filter((line) => line.includes("The group's log time is"))).toHaveLength(2);
  });
});
