// Workflow stage lines: written only at trace, with a precise time, for each proposal, its
// answer and each apply, naming the workflow (and, for a Start, its trace).

import { expect, test } from "bun:test";
import { createLogger, groupId, type LogIndex, type LogLevel, nodeId } from "../lib/index.ts";
import {
  encodeCommand,
  registryWithBuiltins,
  type WorkflowCommand,
  WorkflowStateMachine,
} from "../workflow/index.ts";
import { markApplies, markedProposer, stageMarker } from "./workflow-stages.ts";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const START: WorkflowCommand = {
  type: "Start",
  workflowId: "w1",
  name: "ping_pong",
  version: 1,
  input: "ping",
  owner: nodeId(1),
  startedAtMs: 10_000,
  seed: 7,
  runtimeVersion: 1,
  traceId: TRACE_ID,
};

function loggerAt(level: LogLevel) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level,
    format: "json",
    write: (line) => lines.push(JSON.parse(line)),
  });
  return { logger, lines };
}

test("below trace there is no marker, so nothing is wrapped or decoded", () => {
  expect(stageMarker(loggerAt("debug").logger)).toBeUndefined();
});

test("a proposal is marked when proposed and when answered, after the apply it waited for", async () => {
  const { logger, lines } = loggerAt("trace");
  const mark = stageMarker(logger);
  if (mark === undefined) throw new Error("trace is on");
  const machine = new WorkflowStateMachine({ registry: registryWithBuiltins() });
  markApplies(machine, groupId(3), mark);
  let index = 0;
  const proposer = markedProposer(
    {
      // Like the host: the answer comes once this replica applied the entry.
      propose: async (data) => machine.apply(data, ++index as LogIndex),
      barrier: () => Promise.resolve(),
    },
    mark,
  );
  const before = performance.timeOrigin + performance.now();
  await proposer.propose(encodeCommand(START));
  const after = performance.timeOrigin + performance.now();
  expect(lines.map((line) => [line.stage, line.command ?? line.event])).toEqual([
    ["proposed", "Start"],
    ["applied", "started"],
    ["answered", "Start"],
  ]);
  for (const line of lines) {
    expect(line).toMatchObject({ level: "trace", message: "Workflow stage", workflow_id: "w1" });
    expect(line.at_ms as number).toBeGreaterThanOrEqual(Math.floor(before));
    expect(line.at_ms as number).toBeLessThanOrEqual(after + 0.001);
  }
  expect(lines[0]?.trace_id).toBe(TRACE_ID);
  expect(lines[1]?.cluster).toBe(3);
  // Sub-millisecond: the stages of one commit are a fraction of a millisecond apart.
  expect(lines.some((line) => !Number.isInteger(line.at_ms))).toBe(true);
});

test("a command that names no workflow is marked by its type alone", async () => {
  const { logger, lines } = loggerAt("trace");
  const mark = stageMarker(logger);
  if (mark === undefined) throw new Error("trace is on");
  const proposer = markedProposer(
    { propose: async () => null, barrier: () => Promise.resolve() },
    mark,
  );
  await proposer.propose(encodeCommand({ type: "Seal" }));
  expect(lines.map((line) => [line.stage, line.command, line.workflow_id])).toEqual([
    ["proposed", "Seal", undefined],
    ["answered", "Seal", undefined],
  ]);
});
