// Table-driven tests of the node-level planners: replicas to host and drop, liveness and
// rejoin, group reports and the heir of a drained group. Each builds a management state by applying
// commands, as the log would.

import { describe, expect, test } from "bun:test";
import {
  type GroupId,
  groupId,
  type LogIndex,
  logIndex,
  type NodeId,
  nodeId,
} from "../lib/index.ts";
import type { ManagementCommand } from "./commands.ts";
import { heirOf } from "./heir.ts";
import { planRejoin, silenceMs, silentNodes } from "./liveness.ts";
import { applyCommand } from "./management-machine.ts";
import { emptyManagementState, type ManagementState } from "./management-state.ts";
import { planReplicas } from "./replica-plan.ts";
import { planGroupReports } from "./report-plan.ts";

let index = 0;
function apply(state: ManagementState, ...commands: ManagementCommand[]): ManagementState {
  let next = state;
  for (const command of commands) next = applyCommand(next, command, ++index as LogIndex).state;
  return next;
}
const ids = (...values: number[]): NodeId[] => values.map(nodeId);
const report = (group: number, voters: number[], configIndex: number): ManagementCommand => ({
  type: "reportGroupConfig",
  groupId: groupId(group),
  voters: ids(...voters),
  learners: [],
  configIndex,
});

/** Nodes 1-6; group 1 = 1,2,3 (reported at 10); group 2 = 4,5,6 not reported yet. */
function cluster(): ManagementState {
  let state = apply(emptyManagementState(), {
    type: "bootstrap",
    clusterId: "c",
    transport: "grpc",
    maxVoters: 5,
    workflowFingerprint: "w",
    node: { id: nodeId(1), address: "n1", instance: "i1" },
  });
  for (let id = 2; id <= 6; id++) {
    state = apply(state, {
      type: "registerNode",
      address: `n${id}`,
      requestedId: nodeId(id),
      workflowFingerprint: "w",
      instance: `i${id}`,
    });
  }
  return apply(state, { type: "createGroup", members: ids(1, 2, 3) }, report(1, [1, 2, 3], 10), {
    type: "createGroup",
    members: ids(4, 5, 6),
  });
}

describe("planReplicas", () => {
  const hosted = (entries: [number, number][]) =>
    new Map(entries.map(([id, last]) => [groupId(id), logIndex(last)] as [GroupId, LogIndex]));

  test.each([
    {
      why: "a member hosts its reported group by joining",
      self: 2,
      state: cluster(),
      hosted: [],
      actions: [{ type: "host", groupId: 1, campaign: false }],
    },
    {
      why: "an initial member of an unreported group bootstraps it",
      self: 5,
      state: cluster(),
      hosted: [],
      actions: [{ type: "host", groupId: 2, bootstrapVoters: [4, 5, 6], campaign: false }],
    },
    {
      why: "a group of one campaigns at once",
      self: 6,
      state: apply(cluster(), { type: "createGroup", members: ids(6) }),
      hosted: [[2, 1]],
      actions: [{ type: "host", groupId: 3, bootstrapVoters: [6], campaign: true }],
    },
    {
      why: "nothing to do when every counted group is hosted",
      self: 1,
      state: cluster(),
      hosted: [[1, 12]],
      actions: [],
    },
    {
      why: "a replica of a destroyed group is dropped",
      self: 1,
      state: apply(cluster(), { type: "destroyGroup", groupId: groupId(1) }),
      hosted: [[1, 12]],
      actions: [{ type: "drop", groupId: 1 }],
    },
    {
      why: "a replica of a group unknown above the id counter stays: this node's state is behind",
      self: 1,
      state: cluster(),
      hosted: [
        [1, 12],
        [9, 3],
      ],
      actions: [],
    },
    {
      why: "removed from members but still a reported voter: kept",
      self: 3,
      state: apply(cluster(), {
        type: "setGroupMembers",
        groupId: groupId(1),
        members: ids(1, 2, 4),
      }),
      hosted: [[1, 12]],
      actions: [],
    },
    {
      why: "out of the reported configuration, but the log goes past the report: kept",
      self: 3,
      state: apply(
        cluster(),
        { type: "setGroupMembers", groupId: groupId(1), members: ids(1, 2, 4) },
        report(1, [1, 2, 4], 20),
      ),
      hosted: [[1, 25]],
      actions: [],
    },
    {
      why: "out of a reported configuration newer than its whole log: dropped",
      self: 3,
      state: apply(
        cluster(),
        { type: "setGroupMembers", groupId: groupId(1), members: ids(1, 2, 4) },
        report(1, [1, 2, 4], 20),
      ),
      hosted: [[1, 18]],
      actions: [{ type: "drop", groupId: 1 }],
    },
  ])("$why", ({ self, state, hosted: entries, actions }) => {
    const plan = planReplicas({
      self: nodeId(self),
      state,
      hosted: hosted(entries as unknown as [number, number][]),
    });
    expect(plan).toEqual(actions as never);
  });
});

describe("liveness", () => {
  const view = (heard: Record<number, number>, countFrom: number) => ({
    nowMs: 10_000,
    heardMs: (id: NodeId) => heard[id],
    countFromMs: () => countFrom,
  });

  test.each([
    { why: "heard a moment ago", heard: { 2: 9_900 }, countFrom: 0, silence: 100 },
    {
      why: "never heard: silent since it could have been",
      heard: {},
      countFrom: 4_000,
      silence: 6_000,
    },
    {
      why: "heard before a stall ended: counted from the end",
      heard: { 2: 1_000 },
      countFrom: 7_000,
      silence: 3_000,
    },
  ])("$why", ({ heard, countFrom, silence }) => {
    expect(silenceMs(view(heard, countFrom), nodeId(2))).toBe(silence);
  });

  test("silentNodes leaves out the observer and takes only those past the timeout", () => {
    const silent = silentNodes(view({ 2: 9_000, 3: 1_000 }, 0), ids(1, 2, 3), nodeId(1), 5_000);
    expect([...silent]).toEqual(ids(3));
  });
});

describe("planRejoin", () => {
  test.each([
    { why: "in contact", isInContact: true, contactMs: 1_000, expected: [false, 10_000] },
    { why: "first look", isInContact: false, contactMs: undefined, expected: [false, 10_000] },
    {
      why: "silent within the timeout",
      isInContact: false,
      contactMs: 6_000,
      expected: [false, 6_000],
    },
    {
      why: "silent past the timeout",
      isInContact: false,
      contactMs: 4_000,
      expected: [true, 10_000],
    },
  ])("$why", ({ isInContact, contactMs, expected }) => {
    const plan = planRejoin({ nowMs: 10_000, isInContact, contactMs, failureTimeoutMs: 5_000 });
    expect([plan.rejoin, plan.contactMs]).toEqual(expected as never);
  });
});

describe("planGroupReports", () => {
  const group = cluster().groups.get(groupId(1));
  if (group === undefined) throw new Error("no group 1");
  const reported = { ...group, leaderId: nodeId(1), running: 4, faultTolerance: 1 };
  const base = {
    self: nodeId(1),
    group: reported,
    voters: ids(1, 2, 3),
    learners: [],
    appliedIndex: logIndex(30),
    running: 4,
    faultTolerance: 1,
    nowMs: 10_000,
    lastLoadReportMs: 9_500,
    loadReportIntervalMs: 2_000,
  };
  const types = (overrides: Partial<typeof base>) =>
    planGroupReports({ ...base, ...overrides }).map((command) => command.type);

  test.each([
    { why: "nothing changed: nothing to report", overrides: {}, reports: [] },
    {
      why: "a new configuration is reported at once",
      overrides: { voters: ids(1, 2, 4) },
      reports: ["reportGroupConfig"],
    },
    {
      why: "a new leader is reported at once",
      overrides: { self: nodeId(2) },
      reports: ["reportGroupLoad"],
    },
    {
      why: "a new fault tolerance is reported at once",
      overrides: { faultTolerance: 0 },
      reports: ["reportGroupLoad"],
    },
    { why: "a new load waits for its interval", overrides: { running: 9 }, reports: [] },
    {
      why: "a new load goes once the interval passed",
      overrides: { running: 9, lastLoadReportMs: 7_000 },
      reports: ["reportGroupLoad"],
    },
    {
      why: "a first load report goes at once",
      overrides: { running: 9, lastLoadReportMs: undefined },
      reports: ["reportGroupLoad"],
    },
  ])("$why", ({ overrides, reports }) => {
    expect(types(overrides as Partial<typeof base>)).toEqual(reports as never);
  });
});

describe("heirOf", () => {
  test.each([
    { why: "the lowest running group this node is in and hosts", self: 1, hosted: [1, 3], heir: 1 },
    { why: "only a group it hosts", self: 1, hosted: [3], heir: 3 },
    {
      why: "not a group it merely hosts without being a member",
      self: 4,
      hosted: [1],
      heir: undefined,
    },
    { why: "none when it hosts no other running group", self: 1, hosted: [], heir: undefined },
  ])("$why", ({ self, hosted, heir }) => {
    const state = apply(
      cluster(),
      report(2, [4, 5, 6], 3),
      { type: "setGroupMembers", groupId: groupId(2), members: ids(1, 4, 5, 6) },
      { type: "createGroup", members: ids(1, 2, 3) },
      report(3, [1, 2, 3], 2),
      { type: "setDraining", groupId: groupId(2), draining: true },
    );
    const found = heirOf({
      state,
      drained: groupId(2),
      self: nodeId(self),
      isHosted: (id) => (hosted as readonly number[]).includes(id),
    });
    expect(found).toBe(heir === undefined ? undefined : groupId(heir));
  });
});
