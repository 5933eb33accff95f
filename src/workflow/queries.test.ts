import { describe, expect, test } from "bun:test";
import { type LogIndex, type NodeId, VirtualClock } from "../lib/index.ts";
import { encodeCommand, type WorkflowCommand } from "./commands.ts";
import { registryWithBuiltins } from "./ping-pong.ts";
import { WorkflowQueries } from "./queries.ts";
import { WorkflowStateMachine } from "./state-machine.ts";

function setup() {
  const clock = new VirtualClock();
  const sm = new WorkflowStateMachine({ registry: registryWithBuiltins() });
  const queries = new WorkflowQueries(sm, clock);
  const apply = (command: WorkflowCommand) =>
    sm.apply(encodeCommand(command), (sm.lastAppliedIndex() + 1) as LogIndex);
  apply({
    type: "Start",
    workflowId: "a",
    name: "ping_pong",
    version: 1,
    input: "ping",
    owner: 1 as NodeId,
    startedAtMs: 0,
    seed: 0,
    runtimeVersion: 1,
  });
  const complete = () =>
    apply({ type: "Complete", workflowId: "a", ownerEpoch: 1, output: "pong", finishedAtMs: 1 });
  return { clock, sm, queries, complete };
}

function outcome<T>(promise: Promise<T>) {
  const state: { value?: T; error?: { code?: string; message: string } } = {};
  promise.then(
    (value) => {
      state.value = value;
    },
    (error) => {
      state.error = error;
    },
  );
  return state;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("WorkflowQueries.wait", () => {
  test("resolves when the end is applied, not before, and without polling", async () => {
    const { clock, queries, complete } = setup();
    const waited = outcome(queries.wait("a", 30_000));
    clock.advance(10_000);
    await tick();
    expect(waited.value).toBeUndefined();
    expect(clock.pendingTimers()).toBe(1); // only the timeout
    complete();
    await tick();
    expect(waited.value).toMatchObject({ status: "Completed", output: "pong" });
    expect(clock.pendingTimers()).toBe(0);
    expect(queries.waitingCount()).toBe(0);
  });

  test("resolves at once for a finished execution", async () => {
    const { queries, complete } = setup();
    complete();
    expect(await queries.wait("a", 0)).toMatchObject({ status: "Completed" });
  });

  test("an unknown id fails at once with NOT_FOUND", async () => {
    const { queries } = setup();
    const error = await queries.wait("nope", 30_000).catch((e: { code: string }) => e);
    expect(error).toMatchObject({ code: "NOT_FOUND", name: "WorkflowNotFoundError" });
  });

  test("honours the timeout exactly", async () => {
    const { clock, queries } = setup();
    const waited = outcome(queries.wait("a", 500));
    clock.advance(499);
    await tick();
    expect(waited.error).toBeUndefined();
    clock.advance(1);
    await tick();
    expect(waited.error).toMatchObject({ code: "TIMEOUT" });
    expect(waited.error?.message).toContain("did not finish within 500 ms");
    expect(queries.waitingCount()).toBe(0);
  });

  test("a caller that goes away ends its wait at once and frees its place", async () => {
    const { queries } = setup();
    const caller = new AbortController();
    const waited = outcome(queries.wait("a", 30_000, caller.signal));
    const other = outcome(queries.wait("a", 30_000));
    expect(queries.waitingCount()).toBe(2);
    caller.abort();
    await tick();
    expect(waited.error?.code).toBe("UNAVAILABLE");
    expect(waited.error?.message).toContain("the caller went away");
    expect(queries.waitingCount()).toBe(1);
    expect(other.error).toBeUndefined();
    const late = outcome(queries.wait("a", 30_000, caller.signal));
    await tick();
    expect(late.error?.message).toContain("the caller went away");
    expect(queries.waitingCount()).toBe(1);
  });

  test("a bad timeout is INVALID_ARGUMENT", async () => {
    const { queries } = setup();
    for (const timeout of [-1, Number.NaN, 10 ** 12]) {
      const error = await queries.wait("a", timeout).catch((e: { code: string }) => e);
      expect(error).toMatchObject({ code: "INVALID_ARGUMENT" });
    }
  });

  test("a restore that brings the end settles waiters; close fails the rest", async () => {
    const donor = setup();
    donor.complete();
    const { sm, queries } = setup();
    const waited = outcome(queries.wait("a", 30_000));
    sm.restore(donor.sm.snapshotAfter(new Uint8Array()));
    await tick();
    expect(waited.value).toMatchObject({ status: "Completed" });
    const other = setup();
    const pending = outcome(other.queries.wait("a", 30_000));
    other.queries.close();
    await tick();
    expect(pending.error).toMatchObject({ code: "SHUTTING_DOWN" });
  });
});
