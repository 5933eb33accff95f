// Events into running workflows through the owner runtime on a local group under a virtual
// clock: delivered once each in log order, buffered when sent before the wait, deduplicated
// by event id, a timeout the code branches on, and clear refusals for unknown and finished
// workflows.

import { describe, expect, test } from "bun:test";
import { nestedArrays } from "../../test/support/nested-arrays.ts";
import { LocalWorkflowGroup, track } from "../../test/support/workflow-local-group.ts";
import { RaftoralError } from "../lib/index.ts";
import type { StartedExecution } from "./apply-result.ts";
import { RECORDED_COMMAND_BYTES_MAX } from "./command-size.ts";
import { encodeCommand } from "./commands.ts";
import type { WorkflowContext } from "./context.ts";
import { defineWorkflow } from "./definition.ts";
import type { JsonValue } from "./json.ts";
import { registryWithBuiltins } from "./ping-pong.ts";
import { RUN_RETRY_DELAY_MS } from "./runtime.ts";

/** Takes `input` events named "item", then waits for "done" up to 5 s. */
const collector = defineWorkflow("collect", 1, async (input: number, ctx: WorkflowContext) => {
  const items: JsonValue[] = [];
  for (let k = 0; k < input; k++) {
    const got = await ctx.waitForEvent("item");
    if (!got.isTimedOut) items.push(got.payload);
  }
  const done = await ctx.waitForEvent<string>("done", { timeout: "5s" });
  return { items, done: done.isTimedOut ? "timed out" : done.payload };
});

function collectGroup() {
  const group = new LocalWorkflowGroup({ registry: registryWithBuiltins([collector]) });
  const runtime = group.runtime();
  runtime.open();
  return { group, runtime };
}

async function settle<T>(group: LocalWorkflowGroup, promise: Promise<T>) {
  const tracked = track(promise);
  await group.until(() => tracked.done, 30_000);
  return tracked;
}

describe("WorkflowRuntime: events", () => {
  test("events are delivered once each, in log order, also when sent before the wait", async () => {
    const { group, runtime } = collectGroup();
    const started = await settle(group, runtime.start("collect", 1, 3, { workflowId: "c-1" }));
    // The first two arrive before the workflow waits; the third while it waits.
    await settle(group, runtime.signal({ workflowId: "c-1", name: "item", payload: "a" }));
    await settle(group, runtime.signal({ workflowId: "c-1", name: "item", payload: "b" }));
    await group.until(() => runtime.activeRuns().length === 0);
    await settle(group, runtime.signal({ workflowId: "c-1", name: "item", payload: "c" }));
    await settle(group, runtime.signal({ workflowId: "c-1", name: "done", payload: "ok" }));
    const finished = await settle(
      group,
      group.queries.wait((started.value as StartedExecution).workflowId, 30_000),
    );
    expect(finished.value?.output).toEqual({ items: ["a", "b", "c"], done: "ok" });
    const inbox = group.stateMachine.execution("c-1")?.inbox ?? [];
    expect(inbox.map((event) => event.isConsumed)).toEqual([true, true, true, true]);
    expect(group.fatal).toEqual([]);
  });

  test("a repeated event id is delivered once", async () => {
    const { group, runtime } = collectGroup();
    await settle(group, runtime.start("collect", 1, 2, { workflowId: "c-2" }));
    const send = (payload: string) =>
      settle(group, runtime.signal({ workflowId: "c-2", name: "item", payload, eventId: "e-1" }));
    expect((await send("x")).value).toEqual({ eventId: "e-1", isDuplicate: false });
    expect((await send("x")).value).toEqual({ eventId: "e-1", isDuplicate: true });
    await settle(group, runtime.signal({ workflowId: "c-2", name: "item", payload: "y" }));
    await settle(group, runtime.signal({ workflowId: "c-2", name: "done", payload: "ok" }));
    const finished = await settle(group, group.queries.wait("c-2", 30_000));
    expect(finished.value?.output).toEqual({ items: ["x", "y"], done: "ok" });
  });

  test("a timeout is a value the workflow branches on, at or after its deadline", async () => {
    const { group, runtime } = collectGroup();
    await settle(group, runtime.start("collect", 1, 0, { workflowId: "c-3" }));
    const finished = await settle(group, group.queries.wait("c-3", 30_000));
    expect(finished.value?.output).toEqual({ items: [], done: "timed out" });
    const [wait, event] = group.stateMachine.execution("c-3")?.checkpoints ?? [];
    expect(event?.atMs).toBeGreaterThanOrEqual((wait?.atMs ?? 0) + 5_000);
  });

  test("an event for an unknown or finished workflow is refused, saying which", async () => {
    const { group, runtime } = collectGroup();
    const unknown = await settle(
      group,
      runtime.signal({ workflowId: "nobody", name: "item", payload: 1 }).catch((e) => e),
    );
    expect(unknown.value).toBeInstanceOf(RaftoralError);
    expect(unknown.value).toMatchObject({ code: "NOT_FOUND" });
    await settle(group, runtime.start("collect", 1, 0, { workflowId: "c-4" }));
    await settle(group, group.queries.wait("c-4", 30_000));
    const late = await settle(
      group,
      runtime.signal({ workflowId: "c-4", name: "done", payload: 1 }).catch((e) => e),
    );
    expect(late.value).toMatchObject({ code: "FAILED_PRECONDITION" });
    expect((late.value as Error).message).toContain("workflow c-4 already completed");
  });

  test("a wait for one of Raftoral's own event names fails the workflow, saying so", async () => {
    const waitsReserved = defineWorkflow("reserved", 1, async (_: null, ctx: WorkflowContext) => {
      await ctx.waitForEvent("raftoral:child:1", { timeout: "1s" });
      return "waited";
    });
    const group = new LocalWorkflowGroup({ registry: registryWithBuiltins([waitsReserved]) });
    const runtime = group.runtime();
    runtime.open();
    await settle(group, runtime.start("reserved", 1, null, { workflowId: "r-1" }));
    const finished = await settle(group, group.queries.wait("r-1", 30_000));
    expect(finished.value?.error).toMatchObject({
      code: "INVALID_ARGUMENT",
      message: expect.stringContaining('an event name starting with "raftoral:" is reserved'),
    });
  });

  test("an event its record could not hold is refused when sent; one level less arrives", async () => {
    const { group, runtime } = collectGroup();
    await settle(group, runtime.start("collect", 1, 1, { workflowId: "c-5" }));
    const send = (payload: JsonValue) =>
      settle(
        group,
        runtime.signal({ workflowId: "c-5", name: "item", payload }).catch((e) => e),
      );
    // 65 arrays put the innermost at level 64, which the API takes; its record would be 65.
    const tooDeep = await send(nestedArrays(65));
    expect(tooDeep.value).toMatchObject({ code: "INVALID_ARGUMENT" });
    expect((tooDeep.value as Error).message).toBe(
      "the event's payload nests deeper than 63 levels of arrays and objects (the event's record adds one to the 64 the log takes); flatten it",
    );
    await send(nestedArrays(64));
    await settle(group, runtime.signal({ workflowId: "c-5", name: "done", payload: "ok" }));
    await settle(group, group.queries.wait("c-5", 30_000));
    const record = group.stateMachine.execution("c-5");
    expect(record?.inbox?.map((event) => event.isConsumed)).toEqual([true, true]);
    const delivered = record?.checkpoints.find((checkpoint) => checkpoint.kind === "event");
    expect(delivered?.outcome).toMatchObject({ ok: true, value: { payload: nestedArrays(64) } });
  });

  test("an event too large for its record is refused when sent; one that fits arrives", async () => {
    const { group, runtime } = collectGroup();
    await settle(group, runtime.start("collect", 1, 1, { workflowId: "c-7" }));
    const send = (payload: JsonValue) =>
      settle(
        group,
        runtime.signal({ workflowId: "c-7", name: "item", payload }).catch((e) => e),
      );
    // Within what a request carries, but not with the fields of the wait's `event` record:
    // sent, it would fail the workflow once a wait took it.
    const tooLarge = await send("x".repeat(RECORDED_COMMAND_BYTES_MAX - 100));
    expect(tooLarge.value).toMatchObject({ code: "RESOURCE_EXHAUSTED" });
    expect((tooLarge.value as Error).message).toContain("the event's payload is too large");
    expect(group.stateMachine.execution("c-7")?.inbox ?? []).toEqual([]);
    const fits = "y".repeat(RECORDED_COMMAND_BYTES_MAX - 400);
    await send(fits);
    await settle(group, runtime.signal({ workflowId: "c-7", name: "done", payload: "ok" }));
    const finished = await settle(group, group.queries.wait("c-7", 30_000));
    expect(finished.value?.status).toBe("Completed");
    expect(finished.value?.output).toEqual({ items: [fits], done: "ok" });
  });

  test("a record the group keeps refusing is tried again after a pause, not in a loop", async () => {
    const { group, runtime } = collectGroup();
    await settle(group, runtime.start("collect", 1, 1, { workflowId: "c-6" }));
    await group.until(() => runtime.activeRuns().length === 0);
    // As a node of an older build would take it: an event its `event` record cannot hold.
    const payload = nestedArrays(65);
    group.applyNow(
      encodeCommand({ type: "Signal", workflowId: "c-6", eventId: "e-1", name: "item", payload }),
    );
    const before = group.proposals;
    await group.advance(10_000);
    const refusals = group.logLines.filter((line) => line.includes("result: malformed"));
    expect(refusals.length).toBeGreaterThan(0);
    // One try per RUN_RETRY_DELAY_MS (200 ms) at most: 50 in 10 s, where a loop made thousands.
    expect(group.proposals - before).toBeLessThanOrEqual(10_000 / RUN_RETRY_DELAY_MS + 1);
    runtime.close();
  });
});
