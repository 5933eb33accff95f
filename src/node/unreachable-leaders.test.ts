import { describe, expect, test } from "bun:test";
import { type GroupId, groupId, logIndex, type NodeId, nodeId, term } from "../lib/index.ts";
import { emptyManagementState } from "../management/index.ts";
import { EMPTY_CONF_STATE, type RaftStatus } from "../raft/index.ts";
import { servingReadiness } from "./readiness.ts";
import { unreachableLeaders } from "./unreachable-leaders.ts";

function statusOf(fields: Partial<RaftStatus>): RaftStatus {
  return {
    id: nodeId(3),
    term: term(5),
    vote: nodeId(0),
    role: "follower",
    leaderId: nodeId(2),
    commit: logIndex(9),
    applied: logIndex(9),
    lastIndex: logIndex(9),
    confState: { ...EMPTY_CONF_STATE, voters: [nodeId(1), nodeId(2), nodeId(3)] },
    appliedConfState: EMPTY_CONF_STATE,
    leadTransferee: nodeId(0),
    ticksSinceLeaderContact: 1,
    ...fields,
  };
}

/** Node 3 hosts groups 0 and 1; deliveries to each peer have failed as long as `failing` says. */
function findFor(options: {
  statuses: Record<number, Partial<RaftStatus>>;
  failing: Record<number, number>;
  members?: readonly number[];
}) {
  const statuses = new Map<GroupId, RaftStatus>(
    Object.entries(options.statuses).map(([id, fields]) => [groupId(Number(id)), statusOf(fields)]),
  );
  return unreachableLeaders({
    self: nodeId(3),
    host: {
      groupIds: () => [...statuses.keys()],
      inspect: (id) => {
        const status = statuses.get(id);
        return status === undefined ? undefined : { status: () => status };
      },
    },
    isMember: (id) => (options.members ?? [0, 1]).includes(id),
    failingMs: (peer: NodeId) => options.failing[peer] ?? 0,
    thresholdMs: 5_000,
    leaderContactTicksMax: 20,
  });
}

describe("unreachable leaders", () => {
  test("a leader this node hears but has sent nothing to for long is reported", () => {
    const found = findFor({
      statuses: { 0: {}, 1: { leaderId: nodeId(1) } },
      failing: { 2: 7_400 },
    });
    expect(found).toEqual([{ groupId: groupId(0), leaderId: nodeId(2), failingMs: 7_400 }]);
  });

  test("what is not this node's to report: short failures, itself, silence, non-members", () => {
    expect(findFor({ statuses: { 1: {} }, failing: { 2: 4_000 } })).toEqual([]);
    expect(findFor({ statuses: { 1: { leaderId: nodeId(3) } }, failing: { 3: 9_000 } })).toEqual(
      [],
    );
    expect(findFor({ statuses: { 1: { leaderId: nodeId(0) } }, failing: { 2: 9_000 } })).toEqual(
      [],
    );
    // A leader not heard from lately is the leader watch's (leaderless) to report.
    const silent = { 1: { ticksSinceLeaderContact: 21 } };
    expect(findFor({ statuses: silent, failing: { 2: 9_000 } })).toEqual([]);
    expect(findFor({ statuses: { 1: {} }, failing: { 2: 9_000 }, members: [0] })).toEqual([]);
  });

  test("the node's health then says it cannot serve, naming the leader and what to do", () => {
    const found = findFor({ statuses: { 1: {} }, failing: { 2: 12_200 } });
    const readiness = servingReadiness({
      self: nodeId(3),
      state: { ...emptyManagementState(), nodes: new Map([[nodeId(3), undefined as never]]) },
      localView: () => undefined,
      leaderless: [],
      catchingUp: [],
      notHeardFrom: [],
      unreachableLeaders: found,
    });
    expect(readiness).toEqual({
      isReady: false,
      reason:
        "This node's messages to node 2, the leader of execution cluster 1, have not arrived " +
        "for 12 s, though this node hears that leader (the network may drop what this node " +
        "sends); calls through this node cannot be done: call another node",
    });
  });
});
