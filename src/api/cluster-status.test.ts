import { expect, test } from "bun:test";
import { groupId, type LogIndex, nodeId } from "../lib/index.ts";
import { emptyManagementState, type ManagementState } from "../management/index.ts";
import { clusterStatusOf } from "./cluster-status.ts";

const n = nodeId;

function state(): ManagementState {
  const record = (id: number) => ({
    id: n(id),
    address: `h:${id}`,
    registeredAt: 1 as LogIndex,
    instance: "",
    incarnation: 0,
    incarnationNonce: "",
    workflowFingerprint: "",
    rulesVersion: 1,
  });
  const group = (id: number, leaderId: number) => ({
    id: groupId(id),
    members: [n(3), n(1), n(2)],
    initialMembers: [n(1)],
    draining: id === 2,
    voters: [n(2), n(1)],
    learners: [n(3)],
    configIndex: 5 as LogIndex,
    running: id * 10,
    leaderId: n(leaderId),
    faultTolerance: 1,
  });
  return {
    ...emptyManagementState(),
    clusterId: "c-1",
    nodes: new Map([3, 1, 2].map((id) => [n(id), record(id)])),
    groups: new Map([
      [groupId(2), group(2, 0)],
      [groupId(1), group(1, 2)],
    ]),
  };
}

test("joins the replicated state with this node's view of the management group", () => {
  const status = clusterStatusOf({
    state: state(),
    self: n(2),
    transport: "grpc",
    management: {
      leaderId: n(1),
      confState: { voters: [n(1), n(2)], learners: [n(3)] } as never,
      // Applied: a joint configuration still counting node 4 in its outgoing half.
      appliedConfState: { voters: [n(2), n(1)], votersOutgoing: [n(4), n(1)] } as never,
    },
    localLeaderOf: (id) => (id === 2 ? n(3) : undefined),
    // This node leads group 1 and sees one voter down; it hosts group 2, leaderless for 4 s.
    localHealthOf: (id) =>
      id === 1 ? { faultTolerance: 0, leaderlessMs: 0 } : id === 2 ? { leaderlessMs: 4_000 } : {},
  });
  expect(status).toEqual({
    clusterId: "c-1",
    transport: "grpc",
    nodeId: n(2),
    managementLeaderNodeId: n(1),
    managementVoterIds: [n(1), n(2), n(4)],
    nodes: [
      { nodeId: n(1), address: "h:1", managementRole: "voter", isManagementLeader: true },
      { nodeId: n(2), address: "h:2", managementRole: "voter", isManagementLeader: false },
      { nodeId: n(3), address: "h:3", managementRole: "learner", isManagementLeader: false },
    ],
    groups: [
      {
        groupId: groupId(1),
        members: [n(1), n(2), n(3)],
        voters: [n(1), n(2)],
        learners: [n(3)],
        draining: false,
        runningWorkflows: 10,
        leaderId: n(2),
        configIndex: 5 as LogIndex,
        faultTolerance: 0,
        leaderlessMs: 0,
      },
      {
        groupId: groupId(2),
        members: [n(1), n(2), n(3)],
        voters: [n(1), n(2)],
        learners: [n(3)],
        draining: true,
        runningWorkflows: 20,
        // Its replica still names node 3, as a learner's does after its leader went.
        leaderId: n(0),
        configIndex: 5 as LogIndex,
        faultTolerance: 0,
        leaderlessMs: 4_000,
      },
    ],
    managementFaultTolerance: 0,
    faultTolerance: 0,
    lostNodeIds: [],
  });
});

test("a node not yet in the management configuration is 'joining'; no leader is 0", () => {
  const status = clusterStatusOf({
    state: state(),
    self: n(3),
    transport: "http",
    management: undefined,
    localLeaderOf: () => n(0),
    localHealthOf: () => ({}),
  });
  expect(status.managementLeaderNodeId).toBe(n(0));
  expect(status.nodes.map((node) => node.managementRole)).toEqual([
    "joining",
    "joining",
    "joining",
  ]);
  expect(status.groups.map((group) => group.leaderId)).toEqual([n(2), n(0)]);
  // Nothing first-hand: the last reports stand, and the cluster survives their least.
  expect(status.groups.map((group) => group.faultTolerance)).toEqual([1, 1]);
  expect(status.groups.map((group) => group.leaderlessMs)).toEqual([undefined, undefined]);
});

test("the cluster survives the least of its groups, the management group included", () => {
  const base = state();
  const status = clusterStatusOf({
    state: { ...base, managementFaultTolerance: 2 },
    self: n(1),
    transport: "grpc",
    management: undefined,
    localLeaderOf: () => undefined,
    localHealthOf: (id) => (id === 0 ? { faultTolerance: 2, leaderlessMs: 0 } : {}),
  });
  expect(status.managementFaultTolerance).toBe(2);
  expect(status.faultTolerance).toBe(1);
});

test("a group this node has seen leaderless for a while has no leader, whatever was reported", () => {
  const status = clusterStatusOf({
    state: state(),
    self: n(2),
    transport: "grpc",
    management: { leaderId: n(1), confState: { voters: [n(1), n(2)], learners: [n(3)] } as never },
    localLeaderOf: () => undefined,
    localHealthOf: (id) => (id === 1 ? { leaderlessMs: 15_000 } : {}),
  });
  expect(status.groups.map((group) => [group.groupId, group.leaderId])).toEqual([
    [groupId(1), 0],
    [groupId(2), 0],
  ] as never);
  const reported = clusterStatusOf({
    state: state(),
    self: n(2),
    transport: "grpc",
    management: undefined,
    localLeaderOf: () => undefined,
    localHealthOf: () => ({}),
  });
  expect(reported.groups[0]?.leaderId).toBe(n(2));
});

test("a replica of the management group without a leader holds stale reports: none counts", () => {
  const status = clusterStatusOf({
    state: { ...state(), managementFaultTolerance: 1 },
    self: n(1),
    transport: "grpc",
    // Restarted alone: it hosts the management group, which has no leader.
    management: { leaderId: n(0), confState: { voters: [n(1), n(2)], learners: [] } as never },
    localLeaderOf: () => undefined,
    localHealthOf: () => ({}),
  });
  expect(status.groups.map((group) => [group.leaderId, group.faultTolerance])).toEqual([
    [0, 0],
    [0, 0],
  ] as never);
  expect(status.managementFaultTolerance).toBe(0);
  expect(status.faultTolerance).toBe(0);
});

test("a learner still naming the leader it last heard reports none once it has heard none for a while", () => {
  // A learner never campaigns: its replicas keep the dead leader's id (here node 1, of both
  // groups), while the leader watch counts the silence (its health says unavailable).
  const status = clusterStatusOf({
    state: state(),
    self: n(2),
    transport: "http",
    management: { leaderId: n(1), confState: { voters: [n(1)], learners: [n(2)] } as never },
    localLeaderOf: (id) => (id === 1 ? n(1) : undefined),
    localHealthOf: () => ({ leaderlessMs: 6_000 }),
  });
  expect(status.managementLeaderNodeId).toBe(n(0));
  expect(status.nodes.filter((node) => node.isManagementLeader)).toEqual([]);
  expect(status.groups[0]?.leaderId).toBe(n(0));
});
