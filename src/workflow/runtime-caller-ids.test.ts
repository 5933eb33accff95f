// WorkflowRuntime.start under a caller-chosen id: a repeat runs nothing twice and says
// whether another call started the workflow before.

import { describe, expect, test } from "bun:test";
import { slowGroup } from "../../test/support/slow-workflow.ts";
import { LocalWorkflowGroup, track } from "../../test/support/workflow-local-group.ts";
import { RaftoralError } from "../lib/index.ts";
import type { StartedExecution } from "./apply-result.ts";

describe("WorkflowRuntime: caller-chosen ids", () => {
  test("a repeated start runs the workflow once; other input is ALREADY_EXISTS", async () => {
    const { group, executions } = slowGroup();
    const runtime = group.runtime();
    runtime.open();
    const first = track(runtime.start("slow", 1, 2, { workflowId: "order-1" }));
    await group.until(() => first.done);
    expect(first.value).toEqual({ workflowId: "order-1", alreadyStarted: false });
    const again = track(runtime.start("slow", 1, 2, { workflowId: "order-1" }));
    await group.until(() => again.done);
    expect(again.value).toEqual({ workflowId: "order-1", alreadyStarted: true });
    const other = track(runtime.start("slow", 1, 3, { workflowId: "order-1" }).catch((e) => e));
    await group.until(() => other.done);
    const error = other.value;
    expect(error).toBeInstanceOf(RaftoralError);
    expect((error as RaftoralError).code).toBe("ALREADY_EXISTS");
    expect((error as RaftoralError).message).toContain("workflow order-1 already exists");
    const finished = track(group.queries.wait("order-1", 60_000));
    await group.until(() => finished.done);
    expect(finished.value).toMatchObject({ status: "Completed", output: 3 });
    // Each step ran once: the repeated start did not start a second run.
    expect([...executions.values()]).toEqual([1, 1]);
    expect(group.log.filter((c) => c.type === "Complete")).toHaveLength(1);
  });

  test("a start sent again in the trace of the one that made it was not started before", async () => {
    const { group } = slowGroup();
    const runtime = group.runtime();
    runtime.open();
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const start = (options: { traceId?: string }) => {
      const call = track(runtime.start("slow", 1, 2, { workflowId: "order-2", ...options }));
      return group.until(() => call.done).then(() => call.value as StartedExecution);
    };
    expect((await start({ traceId })).alreadyStarted).toBe(false);
    // The same call's repeat (a client that lost the answer keeps its trace): its own Start.
    expect((await start({ traceId })).alreadyStarted).toBe(false);
    expect((await start({})).alreadyStarted).toBe(true);
    expect((await start({ traceId: "0af7651916cd43dd8448eb211c80319c" })).alreadyStarted).toBe(
      true,
    );
    expect(group.log.filter((c) => c.type === "Start")).toHaveLength(4);
  });

  test("an id that breaks the rules is refused before anything is proposed", async () => {
    const group = new LocalWorkflowGroup();
    const runtime = group.runtime();
    runtime.open();
    const error = await runtime
      .start("ping_pong", 1, "ping", { workflowId: "no spaces" })
      .catch((e: RaftoralError) => e);
    expect((error as RaftoralError).code).toBe("INVALID_ARGUMENT");
    expect((error as RaftoralError).message).toContain("workflow_id 'no spaces' may only hold");
    expect(group.log).toEqual([]);
  });
});
