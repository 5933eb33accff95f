// When a replica whose leader contradicts its committed entries may give way to an empty one:
// only on the committed records' word that the leader is the group's and that the group
// counts on no copy of it since a forced recovery (replica-renewal-plan.ts).

import { describe, expect, test } from "bun:test";
import { groupId, MANAGEMENT_GROUP, nodeId } from "../lib/index.ts";
import { EMPTY_CONF_STATE } from "../raft/index.ts";
import { emptyManagementState, type GroupRecord, type ManagementState } from "./index.ts";
import { planReplicaRenewal, type ReplicaRenewalView } from "./replica-renewal-plan.ts";

const G = groupId(1);
const ids = (...values: number[]) => values.map(nodeId);

/** After a recovery on 3: voters 1 and 2 lost, 3 leads alone, 4 (this node) its learner. */
function recovered(group: Partial<GroupRecord> = {}, state: Partial<ManagementState> = {}) {
  const record: GroupRecord = {
    id: G,
    members: ids(3, 4),
    initialMembers: ids(1, 2, 3),
    draining: false,
    voters: ids(3),
    learners: ids(4),
    configIndex: 12 as never,
    running: 0,
    leaderId: nodeId(3),
    faultTolerance: 0,
    ...group,
  };
  const node = (id: number) => [nodeId(id), { id: nodeId(id) }] as const;
  return {
    ...emptyManagementState(),
    nodes: new Map([node(3), node(4)]) as never,
    groups: new Map([[G, record]]),
    removedNodes: new Set(ids(1, 2)),
    lostNodes: new Set(ids(1, 2)),
    ...state,
  };
}

/** Replica 4 as the recovery left it: voters 1-3, itself a learner. */
function view(overrides: Partial<ReplicaRenewalView> = {}): ReplicaRenewalView {
  return {
    self: nodeId(4),
    state: recovered(),
    groupId: G,
    leader: nodeId(3),
    replicaConf: { ...EMPTY_CONF_STATE, voters: ids(1, 2, 3), learners: ids(4) },
    ...overrides,
  };
}

const refusal = (overrides: Partial<ReplicaRenewalView>) => {
  const decision = planReplicaRenewal(view(overrides));
  expect(decision.isRenewed).toBe(false);
  return decision.isRenewed ? "" : decision.reason;
};

test("a learner left out of a forced recovery gives way, on the recorded leader's word", () => {
  expect(planReplicaRenewal(view())).toEqual({ isRenewed: true });
});

describe("it keeps its log", () => {
  test("for a node the cluster removed, even one the stale record names as leader", () => {
    const state = recovered({}, { nodes: new Map() as never, removedNodes: new Set(ids(1, 2, 3)) });
    expect(refusal({ state })).toBe("node 3 is no node of the cluster");
  });

  test("for a lost node", () => {
    const state = recovered({ leaderId: nodeId(1), voters: ids(1) });
    expect(refusal({ state, leader: nodeId(1) })).toBe("node 1 is no node of the cluster");
  });

  test("for a node of the cluster the records do not show leading the group", () => {
    expect(refusal({ state: recovered({ leaderId: nodeId(5) }) })).toBe(
      "the records show node 5 leading the group, not node 3",
    );
    // Reported as leader, but no voter of the configuration it reported: not the group's.
    expect(refusal({ state: recovered({ voters: ids(5) }) })).toBe(
      "the records count node 3 as no voter",
    );
  });

  test("while the records count this node as a voter", () => {
    expect(refusal({ state: recovered({ voters: ids(3, 4), learners: [] }) })).toBe(
      "the records count this node as a voter",
    );
  });

  test("while its own configuration counts it as a voter, incoming or outgoing", () => {
    const reason = "this replica's configuration counts it as a voter";
    const voter = { ...EMPTY_CONF_STATE, voters: ids(1, 2, 4) };
    expect(refusal({ replicaConf: voter })).toBe(reason);
    const outgoing = { ...EMPTY_CONF_STATE, voters: ids(1, 2), votersOutgoing: ids(1, 2, 4) };
    expect(refusal({ replicaConf: outgoing })).toBe(reason);
  });

  test("when no forced recovery left a voter of its configuration behind: lost writes", () => {
    // 3 lost writes it had synced and leads 3 and 5 without them: 4 may hold the only copy.
    const replicaConf = { ...EMPTY_CONF_STATE, voters: ids(3, 5), learners: ids(4) };
    expect(refusal({ replicaConf })).toBe(
      "no voter of this replica's configuration was left behind by a forced recovery",
    );
  });

  test("when the records place no replica of the group here, or hold no such group", () => {
    const elsewhere = recovered({ members: ids(3), learners: [] });
    expect(refusal({ state: elsewhere })).toBe("the records place no replica of the group here");
    expect(refusal({ groupId: groupId(9) })).toBe("the records hold no group 9");
  });

  test("for the management group, always", () => {
    expect(refusal({ groupId: MANAGEMENT_GROUP })).toBe("the management group is never renewed");
  });
});
