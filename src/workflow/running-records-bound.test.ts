// What running workflows' records take on a member, and the starts refused past its bound:
// every member keeps running records in memory, and their count alone let them take gigabytes.

import { expect, test } from "bun:test";
import { LocalWorkflowGroup, track } from "../../test/support/workflow-local-group.ts";
import { RaftoralError } from "../lib/index.ts";
import type { StartedExecution } from "./apply-result.ts";
import { encodeCommand } from "./commands.ts";
import { defineWorkflow } from "./definition.ts";
import { DEFAULT_WORKFLOW_STATE_CONFIG, recordedBytesOf } from "./execution-table.ts";
import { registryWithBuiltins } from "./ping-pong.ts";
import { decodeStateSnapshot } from "./state-snapshot.ts";

/** Records its input's length, then waits for an event: it keeps running until told. */
const holder = defineWorkflow("holder", 1, async (input: string, ctx) => {
  await ctx.step("measure", () => input.length);
  return ctx.waitForEvent<string>("go");
});

const INPUT = "i".repeat(4_000);

function holdingGroup(runningRecordsBytesMax?: number) {
  const config = {
    ...DEFAULT_WORKFLOW_STATE_CONFIG,
    ...(runningRecordsBytesMax === undefined ? {} : { runningRecordsBytesMax }),
  };
  const group = new LocalWorkflowGroup({ registry: registryWithBuiltins([holder]), config });
  const runtime = group.runtime();
  runtime.open();
  return { group, runtime };
}

async function started(
  group: LocalWorkflowGroup,
  start: () => Promise<StartedExecution>,
): Promise<string | RaftoralError> {
  const call = track(
    start().then(
      (execution) => execution.workflowId,
      (error: RaftoralError) => error,
    ),
  );
  await group.until(() => call.done);
  return call.value as string | RaftoralError;
}

test("a running workflow's record counts its Start and checkpoints as committed, until it ends", async () => {
  const { group, runtime } = holdingGroup();
  const id = await started(group, () => runtime.start("holder", 1, INPUT));
  await group.until(() => group.stateMachine.execution(id as string)?.checkpoints.length === 2);
  const committed = group.log.reduce((sum, command) => sum + encodeCommand(command).byteLength, 0);
  expect(group.stateMachine.runningBytes()).toBe(committed);
  // A member restored from a snapshot counts the records as JSON: about the same.
  const restored = decodeStateSnapshot(group.stateMachine.snapshotAfter(new Uint8Array()));
  const execution = group.stateMachine.execution(id as string);
  expect(restored.runningBytes).toBe(
    recordedBytesOf(execution ?? { input: null, checkpoints: [] }),
  );
  expect(restored.runningBytes).toBeGreaterThan(INPUT.length);
  track(runtime.signal({ workflowId: id as string, name: "go", payload: "done" }));
  await group.until(() => group.stateMachine.execution(id as string)?.status === "Completed");
  expect(group.stateMachine.runningBytes()).toBe(0);
  group.stateMachine.checkInvariants();
});

test("past the bound new starts are refused, naming it; a repeat of a known id and starts after an end go through", async () => {
  const { group, runtime } = holdingGroup(20_000);
  const ids: string[] = [];
  let refusal: RaftoralError | undefined;
  for (let k = 0; k < 10 && refusal === undefined; k++) {
    const answer = await started(group, () =>
      runtime.start("holder", 1, INPUT, { workflowId: `order-${k}` }),
    );
    if (answer instanceof RaftoralError) refusal = answer;
    else ids.push(answer);
  }
  // Five records of about 4 KiB pass 20,000 bytes: the sixth start is refused.
  expect(ids).toHaveLength(5);
  expect(refusal?.code).toBe("RESOURCE_EXHAUSTED");
  expect(refusal?.message).toContain("past the 20000 it takes before starting more");
  expect(group.log.filter((command) => command.type === "Start")).toHaveLength(5);
  expect(
    await started(group, () => runtime.start("holder", 1, INPUT, { workflowId: "order-0" })),
  ).toBe("order-0");
  track(runtime.signal({ workflowId: "order-0", name: "go", payload: "done" }));
  await group.until(() => group.stateMachine.execution("order-0")?.status === "Completed");
  expect(await started(group, () => runtime.start("holder", 1, INPUT))).toBeTypeOf("string");
});
