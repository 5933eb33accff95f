import { expect, test } from "bun:test";
import { type LogIndex, type NodeId, nodeId } from "../lib/index.ts";
import { type GroupMembershipView, planGroupMembership } from "./group-membership-plan.ts";

const ids = (...values: number[]) => values.map(nodeId);

function view(overrides: Partial<GroupMembershipView>): GroupMembershipView {
  return {
    self: nodeId(1),
    desired: ids(1, 2, 3),
    voters: ids(1, 2, 3),
    learners: [],
    isChanging: false,
    lastIndex: 100 as LogIndex,
    matchOf: () => 100 as LogIndex,
    isActive: () => true,
    isLeavingCluster: false,
    catchUpSlackEntries: 10,
    ...overrides,
  };
}

test("a settled group needs nothing", () => {
  expect(planGroupMembership(view({}))).toBeUndefined();
});

test("nothing happens while a change is in progress", () => {
  expect(planGroupMembership(view({ desired: ids(1, 2, 3, 4), isChanging: true }))).toBeUndefined();
});

test("a new member joins as a learner, then becomes a voter once caught up", () => {
  expect(planGroupMembership(view({ desired: ids(1, 2, 3, 4) }))).toEqual({
    type: "change",
    change: { type: "addLearner", nodeId: nodeId(4) },
  });
  const lagging = view({
    desired: ids(1, 2, 3, 4),
    learners: ids(4),
    matchOf: (id: NodeId) => (id === 4 ? (3 as LogIndex) : (100 as LogIndex)),
  });
  expect(planGroupMembership(lagging)).toBeUndefined();
  expect(planGroupMembership(view({ desired: ids(1, 2, 3, 4), learners: ids(4) }))).toEqual({
    type: "change",
    change: { type: "addVoter", nodeId: nodeId(4) },
  });
});

test("members leave only after newcomers are voters", () => {
  const replacing = view({ desired: ids(1, 2, 4), learners: ids(4), matchOf: () => 0 as LogIndex });
  expect(planGroupMembership(replacing)).toBeUndefined();
  expect(planGroupMembership(view({ desired: ids(1, 2, 4), voters: ids(1, 2, 3, 4) }))).toEqual({
    type: "change",
    change: { type: "removeNode", nodeId: nodeId(3) },
  });
});

test("a leader that must leave hands leadership to a caught-up remaining voter", () => {
  expect(planGroupMembership(view({ desired: ids(2, 3) }))).toEqual({
    type: "transferLeadership",
    to: nodeId(2),
  });
});

test("a leader leaving the cluster hands over to a voter that stays, wanted or not", () => {
  // A drained group nobody is wanted in: the voter that stays in the cluster finishes it.
  const drained = view({ self: nodeId(4), desired: [], voters: ids(4, 6), isLeavingCluster: true });
  expect(planGroupMembership(drained)).toEqual({ type: "transferLeadership", to: nodeId(6) });
  // A wanted voter is preferred; a silent one is never chosen.
  const mixed = view({
    self: nodeId(4),
    desired: ids(7, 8),
    voters: ids(4, 6, 7, 8),
    isLeavingCluster: true,
    isActive: (id: NodeId) => id !== 7,
  });
  expect(planGroupMembership(mixed)).toEqual({ type: "transferLeadership", to: nodeId(8) });
  // Still in the cluster but not wanted by the group: only a wanted voter takes over.
  expect(planGroupMembership(view({ self: nodeId(4), desired: [], voters: ids(4, 6) }))).toEqual({
    type: "change",
    change: { type: "removeNode", nodeId: nodeId(6) },
  });
});

test("learners that are not wanted are removed first", () => {
  expect(planGroupMembership(view({ learners: ids(7) }))).toEqual({
    type: "change",
    change: { type: "removeNode", nodeId: nodeId(7) },
  });
});

test("a member stays while the voters left behind would have no caught-up majority", () => {
  // Voter 3 lost its replica (match 0): removing 2 would leave {1, 3}, which cannot commit.
  const lost = (id: NodeId) => (id === 3 ? (0 as LogIndex) : (100 as LogIndex));
  expect(planGroupMembership(view({ desired: ids(1, 3), matchOf: lost }))).toBeUndefined();
  // With a caught-up newcomer as a voter, {1, 3, 4} can commit the removal.
  const replaced = view({ desired: ids(1, 3, 4), voters: ids(1, 2, 3, 4), matchOf: lost });
  expect(planGroupMembership(replaced)).toEqual({
    type: "change",
    change: { type: "removeNode", nodeId: nodeId(2) },
  });
  // A voter that stopped answering counts as lost too, however far its log once matched.
  const silent = view({ desired: ids(1, 3), isActive: (id: NodeId) => id !== 3 });
  expect(planGroupMembership(silent)).toBeUndefined();
  // A departing voter that lost its replica may always go: the rest are caught up.
  expect(planGroupMembership(view({ desired: ids(1, 2), matchOf: lost }))).toEqual({
    type: "change",
    change: { type: "removeNode", nodeId: nodeId(3) },
  });
});
