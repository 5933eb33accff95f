import { expect, test } from "bun:test";
import type { ProtocolClient } from "../client/index-core.ts";
import { type GroupId, groupId, nodeId, type RaftoralError, VirtualClock } from "../lib/index.ts";
import type { WaitWorkflowRequest } from "../transport/index.ts";
import { type ExecutionView, WaitTimeoutError } from "../workflow/index.ts";
import type { LeaderlessGroup } from "./leader-watch.ts";
import { ReplicaRefusal } from "./replica-refusal.ts";
import { type WaitDeps, waitWorkflow } from "./workflow-wait.ts";

const FORWARD_TIMEOUT_MS = 30_000;
const DONE: ExecutionView = { status: "Completed", output: "pong" } as ExecutionView;

/** Deps of a node that hosts group 1 (`engine`) or not (forwards), on a virtual clock. */
function depsOf(clock: VirtualClock, overrides: Partial<WaitDeps>): WaitDeps {
  return {
    groups: () => [groupId(1)],
    catchUpManagement: async () => undefined,
    resolveGroup: async (id: GroupId) => id,
    machineOf: async () => undefined,
    barrier: async () => undefined,
    forward: () => Promise.reject(new Error("not forwarded in this test")),
    forwardTimeoutMs: FORWARD_TIMEOUT_MS,
    engineOf: async () => undefined,
    refusal: new ReplicaRefusal({
      leaderless: () => undefined,
      onLeaderless: () => () => undefined,
      catchingUp: () => undefined,
    }),
    clock,
    ...overrides,
  };
}

const request: WaitWorkflowRequest = {
  workflowId: "w-1",
  executionClusterId: groupId(1),
  timeoutSeconds: 30,
};

test("a member asked after another hung for 5 s is asked for what is left of the wait", async () => {
  const clock = new VirtualClock();
  const asked: { timeoutSeconds: number; timeoutMs: number }[] = [];
  const client = {
    waitWorkflow: async (sent: WaitWorkflowRequest, options: { timeoutMs: number }) => {
      asked.push({ timeoutSeconds: sent.timeoutSeconds, timeoutMs: options.timeoutMs });
      return { success: true, output: "pong" };
    },
  } as unknown as ProtocolClient;
  const forward = async <T>(_id: GroupId, call: (client: ProtocolClient) => Promise<T>) => {
    clock.advance(5_000); // the first member held the call until it was given up
    return call(client);
  };
  const outcome = await waitWorkflow(depsOf(clock, { forward }), request);
  expect(outcome).toEqual({ success: true, output: "pong" });
  // Before, the second member was asked for all 30 s again: 35 s in all, past the caller's end.
  expect(asked).toEqual([{ timeoutSeconds: 25, timeoutMs: 25_000 + FORWARD_TIMEOUT_MS }]);
});

test("a wait here after a read barrier waits for what is left of the caller's time", async () => {
  const clock = new VirtualClock();
  const waited: number[] = [];
  const engine = {
    machine: { execution: () => undefined },
    queries: {
      wait: async (_id: string, timeoutMs: number) => {
        waited.push(timeoutMs);
        return DONE;
      },
    },
  } as unknown as Awaited<ReturnType<WaitDeps["engineOf"]>>;
  const deps = depsOf(clock, {
    engineOf: async () => engine,
    barrier: async () => clock.advance(2_000), // the start applied here 2 s into the wait
  });
  expect(await waitWorkflow(deps, request)).toEqual({ success: true, output: "pong" });
  expect(waited).toEqual([28_000]);
});

test("a wait that ran out says the workflow runs only while its group has a leader", async () => {
  const clock = new VirtualClock();
  const running = { status: "Running" };
  const engine = {
    machine: { execution: () => running },
    queries: {
      wait: async (id: string, timeoutMs: number) => {
        throw new WaitTimeoutError(id, timeoutMs);
      },
    },
  } as unknown as Awaited<ReturnType<WaitDeps["engineOf"]>>;
  // Leaderless for 2 s: too briefly for calls to be refused, long enough to know nothing.
  const lost: LeaderlessGroup = {
    groupId: groupId(1),
    leaderlessMs: 2_000,
    unreachableVoters: [nodeId(2), nodeId(3)],
    hearsMajority: false,
    isUnreachedByVoters: false,
    isNewReplica: false,
  };
  const leaderless = (_id: GroupId, afterMs?: number) =>
    (afterMs ?? 5_000) < lost.leaderlessMs ? lost : undefined;
  const failures: string[] = [];
  for (const watch of [() => undefined, leaderless]) {
    const refusal = new ReplicaRefusal({
      leaderless: watch,
      onLeaderless: () => () => undefined,
      catchingUp: () => undefined,
    });
    const deps = depsOf(clock, { engineOf: async () => engine, refusal });
    const failure = await waitWorkflow(deps, request).catch((error: RaftoralError) => error);
    expect(failure).toMatchObject({ code: "TIMEOUT" });
    failures.push((failure as RaftoralError).message);
  }
  expect(failures).toEqual([
    "workflow w-1 did not finish within 30000 ms; it is still running, wait again",
    "workflow w-1 had not finished when this node last heard the leader of its execution " +
      "cluster, so it may have finished since (Execution cluster 1 has had no leader for 2 s " +
      "(voters 2, 3 unreachable); it may have lost its majority); wait again",
  ]);
});
