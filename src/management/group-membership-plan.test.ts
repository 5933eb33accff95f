import { describe, expect, test } from "bun:test";
import { type LogIndex, type NodeId, nodeId } from "../lib/index.ts";
import type { ConfChangeSingle } from "../raft/index.ts";
import { type GroupMembershipView, planGroupMembership } from "./group-membership-plan.ts";

const ids = (...values: number[]) => values.map(nodeId);

function view(overrides: Partial<GroupMembershipView>): GroupMembershipView {
  return {
    self: nodeId(1),
    desired: ids(1, 2, 3),
    votersMax: 5,
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

const change = (...changes: [ConfChangeSingle["type"], number][]) => ({
  type: "change",
  changes: changes.map(([type, id]) => ({ type, nodeId: nodeId(id) })),
});
const lagging =
  (...slow: number[]) =>
  (id: NodeId) =>
    (slow.includes(id) ? 3 : 100) as LogIndex;

describe("group membership plan", () => {
  test.each([
    { why: "a settled group needs nothing", overrides: {}, step: undefined },
    {
      why: "nothing happens while a change is in progress",
      overrides: { desired: ids(1, 2, 3, 4), isChanging: true },
      step: undefined,
    },
    {
      why: "learners that are not wanted are removed first",
      overrides: { learners: ids(7) },
      step: change(["removeNode", 7]),
    },
    {
      why: "a new member joins as a learner",
      overrides: { desired: ids(1, 2, 3, 4) },
      step: change(["addLearner", 4]),
    },
    {
      why: "a learner becomes a voter once caught up",
      overrides: { desired: ids(1, 2, 3, 4), learners: ids(4) },
      step: change(["addVoter", 4]),
    },
    {
      why: "a learner that lags stays a learner",
      overrides: { desired: ids(1, 2, 3, 4), learners: ids(4), matchOf: lagging(4) },
      step: undefined,
    },
    {
      why: "a learner that never acknowledged anything stays a learner, however short the log",
      overrides: {
        desired: ids(1, 2, 3, 4),
        learners: ids(4),
        lastIndex: 5 as LogIndex,
        matchOf: (id: NodeId) => (id === 4 ? 0 : 5) as LogIndex,
      },
      step: undefined,
    },
    {
      why: "a learner that does not answer stays a learner",
      overrides: { desired: ids(1, 2, 3, 4), learners: ids(4), isActive: (id: NodeId) => id !== 4 },
      step: undefined,
    },
    {
      why: "two members: the second one is a learner by design",
      overrides: { desired: ids(1, 2), voters: ids(1), learners: ids(2) },
      step: undefined,
    },
    {
      why: "one voter goes to three in one joint change, never through two",
      overrides: { desired: ids(1, 2, 3), voters: ids(1), learners: ids(2, 3) },
      step: change(["addVoter", 2], ["addVoter", 3]),
    },
    {
      why: "one voter waits while only one of the two learners is ready",
      overrides: {
        desired: ids(1, 2, 3),
        voters: ids(1),
        learners: ids(2, 3),
        matchOf: lagging(3),
      },
      step: undefined,
    },
    {
      why: "one voter goes to five at once when four learners are ready",
      overrides: { desired: ids(1, 2, 3, 4, 5), voters: ids(1), learners: ids(2, 3, 4, 5) },
      step: change(["addVoter", 2], ["addVoter", 3], ["addVoter", 4], ["addVoter", 5]),
    },
    {
      why: "three voters and a lost member: one voter and a learner, in one joint change",
      overrides: { desired: ids(1, 2), voters: ids(1, 2, 3) },
      step: change(["removeNode", 3], ["addLearner", 2]),
    },
    {
      why: "two voters (an older configuration) become one voter and a learner",
      overrides: { desired: ids(1, 2), voters: ids(1, 2) },
      step: change(["addLearner", 2]),
    },
    {
      why: "members leave only after newcomers are voters (grow before shrink)",
      overrides: { desired: ids(1, 2, 4), learners: ids(4), matchOf: lagging(4) },
      step: undefined,
    },
    {
      why: "a replaced member leaves once its replacement votes, one at a time",
      overrides: { desired: ids(1, 2, 4), voters: ids(1, 2, 3, 4) },
      step: change(["removeNode", 3]),
    },
    {
      why: "five voters shrink one by one, the highest ids first",
      overrides: { desired: ids(1, 2, 3), voters: ids(1, 2, 3, 4, 5) },
      step: change(["removeNode", 5]),
    },
    {
      why: "wanted members beyond the maximum stay learners",
      overrides: { desired: ids(1, 2, 3, 4), votersMax: 3, voters: ids(1, 2, 3), learners: ids(4) },
      step: undefined,
    },
    {
      why: "a member stays while the voters left behind would have no caught-up majority",
      // Voter 3 lost its replica: {1, 3, 4} minus 2 would leave {1, 3, 4}... with 4 silent.
      overrides: {
        desired: ids(1, 3, 4),
        voters: ids(1, 2, 3, 4),
        matchOf: lagging(3),
        isActive: (id: NodeId) => id !== 4,
      },
      step: undefined,
    },
    {
      why: "a departing voter that lost its replica may always go: the rest are caught up",
      overrides: { desired: ids(1, 2, 3), voters: ids(1, 2, 3, 4), matchOf: lagging(4) },
      step: change(["removeNode", 4]),
    },
    {
      why: "a leader that must leave hands leadership to a caught-up voter that stays",
      overrides: { desired: ids(2, 3, 4), voters: ids(1, 2, 3, 4) },
      step: { type: "transferLeadership", to: nodeId(2) },
    },
    {
      why: "a leader that must go in a joint step hands over first",
      overrides: { desired: ids(2, 3) },
      step: { type: "transferLeadership", to: nodeId(2) },
    },
    {
      why: "the only voter, unwanted, swaps places with a ready learner",
      overrides: { desired: ids(2), voters: ids(1), learners: ids(2) },
      step: change(["addVoter", 2], ["addLearner", 1]),
    },
    {
      why: "the only voter waits while its heir is not ready",
      overrides: { desired: ids(2), voters: ids(1), learners: ids(2), matchOf: lagging(2) },
      step: undefined,
    },
    {
      why: "the only voter leaving the cluster swaps places with a learner that stays",
      overrides: { desired: ids(1, 2), voters: ids(1), learners: ids(2), isLeavingCluster: true },
      step: change(["addVoter", 2], ["addLearner", 1]),
    },
    {
      why: "two members keep the management group's voter: the only voter swaps with it",
      overrides: {
        desired: ids(1, 2),
        voters: ids(1),
        learners: ids(2),
        preferredVoter: nodeId(2),
      },
      step: change(["addVoter", 2], ["addLearner", 1]),
    },
    {
      why: "the only voter keeps its vote while the preferred learner is not ready",
      overrides: {
        ...{ desired: ids(1, 2), voters: ids(1), learners: ids(2), matchOf: lagging(2) },
        preferredVoter: nodeId(2),
      },
      step: undefined,
    },
    {
      why: "three voters going down to two members keep the preferred one, not the leader",
      overrides: { desired: ids(1, 2), preferredVoter: nodeId(2) },
      step: { type: "transferLeadership", to: nodeId(2) },
    },
    {
      why: "the preferred voter's leader shrinks to itself and a learner in one joint change",
      overrides: { self: nodeId(2), desired: ids(1, 2), preferredVoter: nodeId(2) },
      step: change(["removeNode", 3], ["addLearner", 1]),
    },
    {
      why: "a preference in a group of three changes nothing",
      overrides: { desired: ids(1, 2, 3), preferredVoter: nodeId(2) },
      step: undefined,
    },
    {
      why: "a drained group: the leader removes the others, and goes with the group",
      overrides: { self: nodeId(4), desired: [], voters: ids(4, 6) },
      step: change(["removeNode", 6]),
    },
    {
      why: "a drained group of three goes down to its leader in one joint change",
      overrides: { self: nodeId(4), desired: [], voters: ids(4, 6, 7) },
      step: change(["removeNode", 7], ["removeNode", 6]),
    },
  ])("$why", ({ overrides, step }) => {
    expect(planGroupMembership(view(overrides as Partial<GroupMembershipView>))).toEqual(
      step as never,
    );
  });

  test("a leader leaving the cluster hands over to a voter that stays, wanted or not", () => {
    // A drained group nobody is wanted in: the voter that stays in the cluster finishes it.
    const drained = view({
      self: nodeId(4),
      desired: [],
      voters: ids(4, 6),
      isLeavingCluster: true,
    });
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
  });

  test("no step ever leaves exactly two voters (property over random views)", () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = (ofIds: number[]) => ofIds.filter(() => next() < 0.5);
    for (let k = 0; k < 5_000; k++) {
      const voters = [1, ...pick([2, 3, 4, 5, 6])];
      const learners = pick([2, 3, 4, 5, 6, 7]).filter((id) => !voters.includes(id));
      const desired = pick([1, 2, 3, 4, 5, 6, 7]);
      const step = planGroupMembership(
        view({
          desired: ids(...desired),
          voters: ids(...voters),
          learners: ids(...learners),
          matchOf: () => (next() < 0.8 ? 100 : 3) as LogIndex,
          isActive: () => next() < 0.9,
          // The management group's voter, for the groups that keep one: any node, or none.
          preferredVoter: next() < 0.5 ? nodeId(1 + Math.floor(next() * 7)) : undefined,
        }),
      );
      if (step?.type !== "change") continue;
      const after = new Set(voters);
      for (const single of step.changes) {
        if (single.type === "addVoter") after.add(single.nodeId);
        else after.delete(single.nodeId);
      }
      const isVoterChange = step.changes.some(
        (single) => single.type === "addVoter" || voters.includes(single.nodeId),
      );
      if (isVoterChange) expect(after.size).not.toBe(2);
    }
  });
});
