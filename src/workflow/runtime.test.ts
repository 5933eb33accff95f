import { describe, expect, test } from "bun:test";
import { slowGroup } from "../../test/support/slow-workflow.ts";
import {
  LocalWorkflowGroup,
  track,
  WALL_ORIGIN_MS,
} from "../../test/support/workflow-local-group.ts";
import { type NodeId, nodeId, RaftoralError } from "../lib/index.ts";
import type { CommandOf } from "./apply-context.ts";
import type { StartedExecution } from "./apply-result.ts";
import { encodeCommand } from "./commands.ts";
import type { JsonValue } from "./json.ts";

describe("WorkflowRuntime: ping_pong", () => {
  test('"ping" completes with "pong" through a real checkpoint and step', async () => {
    const group = new LocalWorkflowGroup();
    const runtime = group.runtime();
    runtime.open();
    const started = track(runtime.start("ping_pong", 1, "ping"));
    await group.until(() => started.done);
    const workflowId = (started.value as StartedExecution).workflowId;
    expect(workflowId).toMatch(/^[0-9a-f-]{36}$/);
    const finished = track(group.queries.wait(workflowId, 5_000));
    await group.until(() => finished.done);
    expect(finished.value).toMatchObject({ status: "Completed", output: "pong" });
    expect(
      group.log.map((c) => (c.type === "Checkpoint" ? `${c.kind}:${c.name}` : c.type)),
    ).toEqual(["Start", "checkpoint:stage", "step:reply", "set:stage", "Complete"]);
    const start = group.log[0];
    expect(start?.type === "Start" && start.startedAtMs).toBeGreaterThanOrEqual(WALL_ORIGIN_MS);
  });

  test("any other input fails with an error naming the input", async () => {
    const group = new LocalWorkflowGroup();
    const runtime = group.runtime();
    runtime.open();
    for (const [input, shown] of [
      ["hello", '"hello"'],
      [42, "42"],
      [{ a: 1 }, '{"a":1}'],
      // A huge input is named by its start and length, not copied into the stored error.
      ["y".repeat(10_000), `"${"y".repeat(63)}... (10002 characters)`],
    ] as const) {
      const started = track(runtime.start("ping_pong", 1, input));
      await group.until(() => started.done);
      const finished = track(
        group.queries.wait((started.value as StartedExecution).workflowId, 5_000),
      );
      await group.until(() => finished.done);
      expect(finished.value?.status).toBe("Failed");
      expect(finished.value?.error?.message).toBe(`ping_pong expects "ping", got ${shown}`);
    }
  });
});

describe("WorkflowRuntime: start refuses bad requests before proposing", () => {
  test("unknown (name, version) is NOT_FOUND and nothing reaches the log", async () => {
    const group = new LocalWorkflowGroup();
    const runtime = group.runtime();
    runtime.open();
    for (const [name, version] of [
      ["ping_pong", 2],
      ["nope", 1],
    ] as const) {
      const error = await runtime.start(name, version, "ping").catch((e: RaftoralError) => e);
      expect(error).toBeInstanceOf(RaftoralError);
      expect((error as RaftoralError).code).toBe("NOT_FOUND");
      expect((error as RaftoralError).message).toContain(`unknown workflow ${name} v${version}`);
      expect((error as RaftoralError).message).toContain("ping_pong v1");
    }
    expect(group.proposals).toBe(0);
  });

  test("input that is not JSON, and bad names or versions, are INVALID_ARGUMENT", async () => {
    const group = new LocalWorkflowGroup();
    const runtime = group.runtime();
    runtime.open();
    const attempts: [string, number, unknown][] = [
      ["ping_pong", 1, undefined],
      ["ping_pong", 1, Number.NaN],
      ["ping_pong", 1, { when: new Date(0) }],
      ["ping_pong", 1, () => 1],
      ["ping pong", 1, "ping"],
      ["ping_pong", 1.5, "ping"],
      ["ping_pong", 0, "ping"],
    ];
    for (const [name, version, input] of attempts) {
      const error = await runtime.start(name, version, input).catch((e: RaftoralError) => e);
      expect((error as RaftoralError).code).toBe("INVALID_ARGUMENT");
    }
    expect(group.proposals).toBe(0);
  });

  test("a closed runtime refuses to start", async () => {
    const group = new LocalWorkflowGroup();
    const error = await group
      .runtime()
      .start("ping_pong", 1, "ping")
      .catch((e: RaftoralError) => e);
    expect((error as RaftoralError).code).toBe("SHUTTING_DOWN");
  });
});

describe("WorkflowRuntime: ambiguous proposals", () => {
  test("a proposal that timed out after it applied is resent and acknowledged once", async () => {
    const { group, executions } = slowGroup();
    const runtime = group.runtime();
    runtime.open();
    group.faults.push("timeout-after-apply");
    const started = track(runtime.start("slow", 1, 3));
    await group.until(() => started.done);
    expect(started.error).toBeUndefined();
    // The next checkpoint proposals: one lands but its answer is lost, one never lands.
    group.faults.push("timeout-after-apply", "timeout-before-apply");
    const finished = track(
      group.queries.wait((started.value as StartedExecution).workflowId, 60_000),
    );
    await group.until(() => finished.done, 60_000);
    expect(finished.value).toMatchObject({ status: "Completed", output: 6 });
    // Start was applied twice (the second a no-op), a checkpoint was resent once.
    expect(group.log.filter((c) => c.type === "Start")).toHaveLength(2);
    expect(
      group.stateMachine.execution((started.value as StartedExecution).workflowId)?.checkpoints,
    ).toHaveLength(7);
    expect([...executions.values()]).toEqual([1, 1, 1]);
  });
});

describe("WorkflowRuntime: a Start whose every answer was lost", () => {
  test("start() fails with TIMEOUT, yet the applied execution runs to its end", async () => {
    const group = new LocalWorkflowGroup();
    const runtime = group.runtime();
    runtime.open();
    for (let k = 0; k < 5; k++) group.faults.push("timeout-after-apply");
    const started = track(runtime.start("ping_pong", 1, "ping"));
    await group.until(() => started.done);
    expect((started.error as RaftoralError).code).toBe("TIMEOUT");
    const start = group.log[0];
    const workflowId = start?.type === "Start" ? start.workflowId : "";
    const finished = track(group.queries.wait(workflowId, 5_000));
    await group.until(() => finished.done);
    expect(finished.value).toMatchObject({ status: "Completed", output: "pong" });
  });
});

describe("WorkflowRuntime: ownership", () => {
  test("a restarted owner resumes from the record; committed steps do not run again", async () => {
    const { group, executions } = slowGroup();
    const first = group.runtime(1);
    first.open();
    const started = track(first.start("slow", 1, 4));
    await group.until(() => started.done);
    const workflowId = (started.value as StartedExecution).workflowId;
    // Let two steps commit, then "crash" in the middle of the third.
    await group.until(
      () => (group.stateMachine.execution(workflowId)?.checkpoints.length ?? 0) >= 5,
    );
    await group.advance(5);
    first.close();
    const second = group.runtime(1);
    second.open();
    const finished = track(group.queries.wait(workflowId, 60_000));
    await group.until(() => finished.done, 60_000);
    expect(finished.value).toMatchObject({ status: "Completed", output: 10 });
    expect(executions.get(`${workflowId}:1`)).toBe(1);
    expect(executions.get(`${workflowId}:3`)).toBe(1);
    // The step in flight at the crash ran again: its result had not been committed.
    expect(executions.get(`${workflowId}:5`)).toBe(2);
    expect(executions.get(`${workflowId}:7`)).toBe(1);
    expect(group.logLines.some((line) => line.includes("Resuming workflow by replay"))).toBe(true);
  });

  test("when ownership moves, the old owner stops and its late proposal is refused", async () => {
    const { group, executions } = slowGroup();
    // Node 1 reaches the log over a slow link, so its proposals are in flight for 50 ms.
    const one = group.runtime(1, {
      propose: (bytes) =>
        new Promise((resolve) =>
          group.clock.setTimer(50, () => resolve(group.proposer.propose(bytes))),
        ),
      barrier: () => Promise.resolve(),
    });
    const two = group.runtime(2);
    one.open();
    two.open();
    const started = track(one.start("slow", 1, 3));
    await group.until(() => started.done);
    const workflowId = (started.value as StartedExecution).workflowId;
    await group.until(() => executions.get(`${workflowId}:1`) === 1);
    // The step body takes 20 ms; then node 1's checkpoint is on its way for 50 ms more.
    await group.advance(25);
    // Node 1 is presumed dead meanwhile.
    const plan = track(two.reassignOwners([2 as NodeId, 3 as NodeId]));
    await group.until(() => plan.done);
    expect(plan.value).toEqual([{ workflowId, from: 1 as NodeId, to: 2 as NodeId, epoch: 2 }]);
    const finished = track(group.queries.wait(workflowId, 60_000));
    await group.until(() => finished.done, 60_000);
    expect(finished.value).toMatchObject({ status: "Completed", output: 6, owner: 2 });
    expect(one.activeRuns()).toEqual([]);
    expect(executions.get(`${workflowId}:1`)).toBe(2);
    const record = group.stateMachine.execution(workflowId);
    expect(record?.checkpoints.map((c) => c.ownerEpoch)).toEqual([1, 2, 2, 2, 2, 2, 2]);
    const refusedLate = group.log.filter(
      (c) => c.type === "Checkpoint" && c.ownerEpoch === 1 && c.seq === 1,
    );
    expect(refusedLate).toHaveLength(1);
  });

  test("a Start naming another node runs there, after a read barrier; the proposer runs nothing", async () => {
    const group = new LocalWorkflowGroup();
    let barriers = 0;
    let proposedByTwo = 0;
    const counted = {
      propose: (bytes: Uint8Array) => {
        proposedByTwo++;
        return group.proposer.propose(bytes);
      },
      barrier: () => {
        barriers++;
        return Promise.resolve();
      },
    };
    const one = group.runtime(1);
    const two = group.runtime(2, counted);
    one.open();
    two.open();
    const started = track(one.start("ping_pong", 1, "ping", { owner: nodeId(2) }));
    await group.until(() => started.done);
    const finished = track(
      group.queries.wait((started.value as StartedExecution).workflowId, 60_000),
    );
    await group.until(() => finished.done);
    expect(finished.value).toMatchObject({ status: "Completed", output: "pong", owner: 2 });
    expect(barriers).toBe(1);
    // Every command after the Start came from node 2's runtime, the owner's.
    expect(group.log.map((command) => command.type)).toEqual([
      "Start",
      "Checkpoint",
      "Checkpoint",
      "Checkpoint",
      "Complete",
    ]);
    expect(proposedByTwo).toBe(group.log.length - 1);
    expect(one.activeRuns()).toEqual([]);
  });

  test("only a Start its owner made as the group's leader runs without a read barrier", async () => {
    for (const isLeaderEntry of [true, false]) {
      const group = new LocalWorkflowGroup();
      const barriers: number[] = [];
      const owner = group.runtime(
        2,
        {
          propose: group.proposer.propose,
          barrier: () => {
            barriers.push(group.stateMachine.lastAppliedIndex());
            return Promise.resolve();
          },
        },
        undefined,
        () => isLeaderEntry,
      );
      owner.open();
      const proposer = group.runtime(1);
      proposer.open();
      const started = track(proposer.start("ping_pong", 1, "ping", { owner: nodeId(2) }));
      await group.until(() => started.done);
      const finished = track(
        group.queries.wait((started.value as StartedExecution).workflowId, 60_000),
      );
      await group.until(() => finished.done);
      expect(finished.value).toMatchObject({ status: "Completed", owner: 2 });
      expect(barriers).toEqual(isLeaderEntry ? [] : [1]);
    }
  });

  test("a Start in flight while its process stood still runs only after a read barrier", async () => {
    for (const isStalled of [false, true]) {
      const { group, executions } = slowGroup();
      // Committed while node 1 stood still (its owner silent), not applied on node 1 yet.
      let assignment: Uint8Array | undefined = encodeCommand({
        type: "AssignOwner",
        workflowId: "w",
        owner: nodeId(2) as NodeId,
        epoch: 2,
      });
      let barriers = 0;
      let stalledUntilMs = Number.NEGATIVE_INFINITY;
      const one = group.runtime(
        1,
        {
          propose: (bytes) => {
            if (isStalled) stalledUntilMs = group.clock.nowMs() + 1;
            return group.proposer.propose(bytes);
          },
          barrier: () => {
            barriers++;
            if (assignment !== undefined) group.applyNow(assignment);
            assignment = undefined;
            return Promise.resolve();
          },
        },
        undefined,
        undefined,
        (clockMs) => stalledUntilMs > clockMs,
      );
      one.open();
      const started = track(one.start("slow", 1, 2, { workflowId: "w" }));
      await group.until(() => started.done);
      await group.advance(200);
      // The stalled start catches up first, finds the workflow is node 2's, and runs nothing;
      // a start without a stall is fresh and runs at once, without a barrier.
      expect(barriers).toBe(isStalled ? 1 : 0);
      expect(executions.size).toBe(isStalled ? 0 : 2);
      expect(one.activeRuns()).toEqual([]);
    }
  });

  test("after a stall, a run catches up before its next step body, and stops if it moved", async () => {
    const { group, executions } = slowGroup();
    let assignment: Uint8Array | undefined;
    let stalledUntilMs = Number.NEGATIVE_INFINITY;
    const one = group.runtime(
      1,
      {
        propose: group.proposer.propose,
        barrier: () => {
          if (assignment !== undefined) group.applyNow(assignment);
          assignment = undefined;
          return Promise.resolve();
        },
      },
      undefined,
      () => true,
      (clockMs) => stalledUntilMs > clockMs,
    );
    one.open();
    const started = track(one.start("slow", 1, 3, { workflowId: "w" }));
    await group.until(() => started.done);
    await group.until(() => executions.get("w:1") === 1);
    // While its first step body runs, the process stands still, and the group gives the
    // workflow to node 2 in an entry committed but not applied here yet.
    stalledUntilMs = group.clock.nowMs() + 1;
    assignment = encodeCommand({
      type: "AssignOwner",
      workflowId: "w",
      owner: nodeId(2),
      epoch: 2,
    });
    await group.advance(300);
    expect(executions.get("w:3")).toBeUndefined();
    expect(one.activeRuns()).toEqual([]);
    expect(group.stateMachine.execution("w")?.owner).toBe(nodeId(2));
  });

  test("reassignOwners spreads orphans over the least-loaded live members", async () => {
    const group = new LocalWorkflowGroup();
    for (const [id, owner] of [
      ["a", 1],
      ["b", 1],
      ["c", 1],
      ["d", 3],
    ] as const) {
      group.applyNow(
        encodeCommand({
          type: "Start",
          workflowId: id,
          name: "ping_pong",
          version: 1,
          input: "ping",
          owner: owner as NodeId,
          startedAtMs: 0,
          seed: 1,
          runtimeVersion: 1,
        }),
      );
    }
    const runtime = group.runtime(2);
    const plan = track(runtime.reassignOwners([2 as NodeId, 3 as NodeId]));
    expect(await plan).toBeDefined();
    expect(plan.value).toEqual([]); // closed runtime: does nothing
    runtime.open();
    const opened = track(runtime.reassignOwners([2 as NodeId, 3 as NodeId]));
    await group.until(() => opened.done);
    expect(opened.value?.map((a) => [a.workflowId, Number(a.to)])).toEqual([
      ["a", 2],
      ["b", 2],
      ["c", 3],
    ]);
  });

  /**
   * Node 1 owns an execution it cannot run, started as `start` says, and runs ping_pong
   * beside it: the other execution stays Running, and the node carries on.
   */
  async function leftAloneBeside(start: Partial<CommandOf<"Start">>): Promise<string[]> {
    const group = new LocalWorkflowGroup();
    const { workflowId = "odd" } = start;
    group.applyNow(
      encodeCommand({
        type: "Start",
        workflowId,
        name: "ping_pong",
        version: 1,
        input: "ping",
        owner: 1 as NodeId,
        startedAtMs: 0,
        seed: 1,
        runtimeVersion: 3,
        ...start,
      }),
    );
    const runtime = group.runtime(1);
    runtime.open();
    const started = track(runtime.start("ping_pong", 1, "ping" as JsonValue));
    await group.until(() => started.done);
    const finished = track(
      group.queries.wait((started.value as StartedExecution).workflowId, 5_000),
    );
    await group.until(() => finished.done);
    expect(finished.value?.status).toBe("Completed");
    expect(group.stateMachine.status(workflowId)?.status).toBe("Running");
    return group.logLines;
  }

  test("an execution from a newer runtime version is left alone, the node carries on", async () => {
    const lines = await leftAloneBeside({ workflowId: "future", runtimeVersion: 99 });
    expect(lines.some((line) => line.includes("runtime version 99"))).toBe(true);
  });

  test("an execution of a workflow this node has no code for is left alone, with a warning", async () => {
    const lines = await leftAloneBeside({
      workflowId: "unknown-here",
      name: "rolled_out",
      version: 2,
    });
    const warning = lines.find((line) => line.includes("unknown-here"));
    expect(warning).toContain("WARN Workflow not registered on this node");
    expect(warning).toContain("restart this node with --workflows registering rolled_out@2");
  });
});
