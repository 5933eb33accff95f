import { describe, expect, test } from "bun:test";
import { type GroupId, groupId, type LogIndex, type NodeId, nodeId } from "../lib/index.ts";
import {
  applyCommand,
  emptyManagementState,
  type ManagementCommand,
  type ManagementState,
} from "../management/index.ts";
import {
  canStartWorkflows,
  type LocalGroupView,
  type ReadinessInputs,
  servingReadiness,
  startupReadiness,
} from "./readiness.ts";

let index = 0;
function apply(state: ManagementState, command: ManagementCommand): ManagementState {
  return applyCommand(state, command, ++index as LogIndex).state;
}

const ids = (...values: number[]): NodeId[] => values.map(nodeId);

/** A cluster of `count` nodes with one execution group of `members`, reported as given. */
function cluster(options: {
  count: number;
  members: number[];
  voters: number[];
  learners?: number[];
  configIndex?: number;
  draining?: boolean;
}): ManagementState {
  let state = apply(emptyManagementState(), {
    type: "bootstrap",
    clusterId: "c",
    transport: "grpc",
    maxVoters: 5,
    workflowFingerprint: "w",
    node: { id: nodeId(1), address: "n1", instance: "i1" },
  });
  for (let id = 2; id <= options.count; id++) {
    state = apply(state, {
      type: "registerNode",
      address: `n${id}`,
      requestedId: nodeId(id),
      workflowFingerprint: "w",
      instance: `i${id}`,
    });
  }
  state = apply(state, { type: "createGroup", members: ids(...options.members) });
  if ((options.configIndex ?? 1) > 0) {
    state = apply(state, {
      type: "reportGroupConfig",
      groupId: groupId(1),
      voters: ids(...options.voters),
      learners: ids(...(options.learners ?? [])),
      configIndex: options.configIndex ?? 1,
    });
  }
  if (options.draining === true) {
    state = apply(state, { type: "setDraining", groupId: groupId(1), draining: true });
  }
  return state;
}

function inputs(
  self: number,
  state: ManagementState,
  local: Record<number, Partial<LocalGroupView>>,
): ReadinessInputs {
  return {
    self: nodeId(self),
    state,
    leaderless: [],
    catchingUp: [],
    notHeardFrom: [],
    unreachableLeaders: [],
    localView: (id: GroupId) => {
      const view = local[id];
      if (view === undefined) return undefined;
      return { leaderId: nodeId(1), voters: [], learners: [], ...view };
    },
  };
}

const managementOf = (voters: number[], learners: number[] = []) => ({
  voters: ids(...voters),
  learners: ids(...learners),
});

describe("startup readiness", () => {
  test.each([
    {
      why: "the bootstrap node with its group reported and led",
      self: 1,
      state: cluster({ count: 1, members: [1], voters: [1] }),
      local: { 0: managementOf([1]), 1: managementOf([1]) },
      ready: true,
    },
    {
      why: "the bootstrap node before its group reported",
      self: 1,
      state: cluster({ count: 1, members: [1], voters: [], configIndex: 0 }),
      local: { 0: managementOf([1]), 1: managementOf([1]) },
      ready: "waiting for execution cluster 1 to form",
    },
    {
      why: "a joiner not yet in the management configuration",
      self: 3,
      state: cluster({ count: 3, members: [1, 2, 3], voters: [1, 2, 3] }),
      local: { 0: managementOf([1, 2]) },
      ready: "waiting to be added to the management group",
    },
    {
      why: "a joiner still a management learner while the group wants it voting",
      self: 3,
      state: cluster({ count: 3, members: [1, 2, 3], voters: [1, 2, 3] }),
      local: { 0: managementOf([1, 2], [3]), 1: managementOf([1, 2, 3]) },
      ready: "waiting to become a voter of the management group",
    },
    {
      why: "the second node: a learner by design in both groups",
      self: 2,
      state: cluster({ count: 2, members: [1, 2], voters: [1], learners: [2] }),
      local: { 0: managementOf([1], [2]), 1: managementOf([1], [2]) },
      ready: true,
    },
    {
      why: "the second node, recorded as the group's learner before it hosts the group",
      self: 2,
      state: cluster({ count: 2, members: [1, 2], voters: [1], learners: [2] }),
      local: { 0: managementOf([1], [2]) },
      ready: "waiting to host execution cluster 1",
    },
    {
      why: "a third node still a learner of the execution cluster placed on it",
      self: 3,
      state: cluster({ count: 3, members: [1, 2, 3], voters: [1, 2], learners: [3] }),
      local: { 0: managementOf([1, 2, 3]), 1: managementOf([1, 2], [3]) },
      ready: "waiting to become a voter of execution cluster 1",
    },
    {
      why: "a third node voting everywhere",
      self: 3,
      state: cluster({ count: 3, members: [1, 2, 3], voters: [1, 2, 3] }),
      local: { 0: managementOf([1, 2, 3]), 1: managementOf([1, 2, 3]) },
      ready: true,
    },
    {
      why: "a restarted node whose groups have no leader yet",
      self: 2,
      state: cluster({ count: 3, members: [1, 2, 3], voters: [1, 2, 3] }),
      local: { 0: { ...managementOf([1, 2, 3]), leaderId: nodeId(0) } },
      ready: "waiting for a management group leader",
    },
    {
      why: "a restarted node whose only execution cluster has no leader yet",
      self: 2,
      state: cluster({ count: 3, members: [1, 2, 3], voters: [1, 2, 3] }),
      local: { 0: managementOf([1, 2, 3]), 1: { ...managementOf([1, 2, 3]), leaderId: nodeId(0) } },
      ready: "waiting for an execution cluster leader",
    },
    {
      why: "a node not placed in an execution cluster yet",
      self: 4,
      state: cluster({ count: 4, members: [1, 2, 3], voters: [1, 2, 3] }),
      local: { 0: managementOf([1, 2, 3, 4]) },
      ready: "waiting to be placed in an execution cluster",
    },
    {
      why: "a node not registered yet",
      self: 5,
      state: cluster({ count: 4, members: [1, 2, 3], voters: [1, 2, 3] }),
      local: {},
      ready: "node 5 is not registered in the cluster yet",
    },
    {
      why: "a cluster whose only group drains",
      self: 1,
      state: cluster({ count: 1, members: [1], voters: [1], draining: true }),
      local: { 0: managementOf([1]), 1: managementOf([1]) },
      ready: "waiting to be placed in an execution cluster",
    },
  ])("$why", ({ self, state, local, ready }) => {
    const result = startupReadiness(inputs(self, state, local));
    expect(result).toEqual(ready === true ? { isReady: true } : { isReady: false, reason: ready });
  });

  test("a restarted voter that learns it is far behind its execution cluster waits for it", () => {
    const state = cluster({ count: 3, members: [1, 2, 3], voters: [1, 2, 3] });
    const local = { 0: managementOf([1, 2, 3]), 1: managementOf([1, 2, 3]) };
    const behind = {
      ...inputs(2, state, local),
      catchingUp: [{ groupId: groupId(1), unapplied: 95_000 }],
    };
    expect(startupReadiness(behind)).toEqual({
      isReady: false,
      reason: "This node is catching up on execution cluster 1 (95,000 committed entries to apply)",
    });
    expect(startupReadiness(inputs(2, state, local))).toEqual({ isReady: true });
  });

  test("a restarted voter waits to hear how far its execution cluster has committed", () => {
    const state = cluster({ count: 3, members: [1, 2, 3], voters: [1, 2, 3] });
    const local = { 0: managementOf([1, 2, 3]), 1: managementOf([1, 2, 3]) };
    const unheard = { ...inputs(2, state, local), notHeardFrom: [groupId(1)] };
    expect(startupReadiness(unheard)).toEqual({
      isReady: false,
      reason: "waiting to hear how far execution cluster 1 has committed",
    });
  });

  test("no management state yet", () => {
    const result = startupReadiness(inputs(1, emptyManagementState(), {}));
    expect(result).toEqual({
      isReady: false,
      reason: "waiting for the cluster's management state",
    });
  });
});

describe("serving readiness", () => {
  const state = cluster({ count: 3, members: [1, 2, 3], voters: [1, 2, 3] });

  test("a member serves", () => {
    expect(servingReadiness(inputs(2, state, {}))).toEqual({ isReady: true });
  });

  test("a node removed from the cluster does not, and says why", () => {
    const removed = apply(state, { type: "removeNode", nodeId: nodeId(2), reason: "test" });
    const result = servingReadiness(inputs(2, removed, {}));
    expect(result.isReady).toBe(false);
    expect(result).toMatchObject({ reason: expect.stringContaining("not a member") });
  });

  test("a node hosting a group that lost its leader for long does not, and says which", () => {
    const lost = {
      ...inputs(2, state, {}),
      leaderless: [
        {
          groupId: groupId(1),
          leaderlessMs: 9_000,
          unreachableVoters: ids(1, 3),
          hearsMajority: false,
          isUnreachedByVoters: false,
          isNewReplica: false,
        },
      ],
    };
    expect(servingReadiness(lost)).toEqual({
      isReady: false,
      reason:
        "Execution cluster 1 has had no leader for 9 s (voters 1, 3 unreachable); it may have lost its majority",
    });
  });

  test("a node far behind one of its groups does not, and says which", () => {
    const behind = {
      ...inputs(2, state, {}),
      catchingUp: [{ groupId: groupId(0), unapplied: 5_001 }],
    };
    expect(servingReadiness(behind)).toEqual({
      isReady: false,
      reason: "This node is catching up on the management group (5,001 committed entries to apply)",
    });
  });

  test("starts to a group hosted elsewhere are forwarded: its leader is not ours to know", () => {
    const elsewhere = inputs(4, state, { 0: managementOf([1, 2, 3, 4]) });
    expect(canStartWorkflows(elsewhere)).toEqual({ isReady: true });
  });

  test("starts need one led group among those hosted here when all are hosted here", () => {
    const led = { 0: managementOf([1, 2, 3]), 1: managementOf([1, 2, 3]) };
    expect(canStartWorkflows(inputs(1, state, led))).toEqual({ isReady: true });
  });
});
