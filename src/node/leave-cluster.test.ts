import { expect, test } from "bun:test";
import {
  createLogger,
  type GroupId,
  groupId,
  logIndex,
  type NodeId,
  nodeId,
  RaftoralError,
  term,
  VirtualClock,
} from "../lib/index.ts";
import { EMPTY_CONF_STATE, type RaftStatus } from "../raft/index.ts";
import type { ClusterStatus } from "../transport/index.ts";
import { ClusterLeave } from "./leave-cluster.ts";

const SELF = nodeId(3);
const ids = (...values: number[]) => values.map(nodeId);

function statusOf(voters: readonly NodeId[]): RaftStatus {
  const conf = { ...EMPTY_CONF_STATE, voters };
  return {
    id: SELF,
    term: term(2),
    vote: nodeId(0),
    role: "follower",
    leaderId: nodeId(1),
    commit: logIndex(9),
    applied: logIndex(9),
    lastIndex: logIndex(9),
    confState: conf,
    appliedConfState: conf,
    leadTransferee: nodeId(0),
    ticksSinceLeaderContact: 0,
  };
}

/**
 * Node 3, out of the cluster already, votes in execution group 1 with nodes 1 and 2; the
 * management leader lists `members` and group 1's configuration unchanged, so the group
 * never replaces node 3 and the leave runs until its bound.
 */
function leaveOf(members: readonly NodeId[]) {
  const clock = new VirtualClock();
  const statuses = new Map<GroupId, RaftStatus>([
    [groupId(0), statusOf(ids(1, 2))],
    [groupId(1), statusOf(ids(1, 2, 3))],
  ]);
  const cluster: ClusterStatus = {
    clusterId: "test",
    transport: "grpc",
    nodeId: nodeId(1),
    managementLeaderNodeId: nodeId(1),
    nodes: members.map((id) => ({
      nodeId: id,
      address: `node-${id}:7001`,
      managementRole: "voter",
      isManagementLeader: id === 1,
    })),
    groups: [
      {
        groupId: groupId(1),
        members: ids(1, 2, 3),
        voters: ids(1, 2, 3),
        learners: [],
        draining: true,
        runningWorkflows: 1,
        leaderId: nodeId(1),
        configIndex: logIndex(3),
        faultTolerance: 1,
      },
    ],
    managementFaultTolerance: 0,
    faultTolerance: 0,
  };
  const leave = new ClusterLeave({
    self: SELF,
    host: {
      groupIds: () => [...statuses.keys()],
      inspect: (id) => {
        const status = statuses.get(id);
        return status === undefined ? undefined : { status: () => status };
      },
      propose: () => Promise.reject(new Error("a node out of the cluster proposes nothing")),
    },
    clock,
    logger: createLogger({ level: "error", format: "text", write: () => undefined }),
    proposalTimeoutMs: 1_000,
    isMember: () => false,
    leaderStatus: () => Promise.resolve(cluster),
  });
  return { clock, leave };
}

/** Runs the leave under its virtual clock until it settles. */
async function outcomeOf(members: readonly NodeId[]): Promise<Error | "left"> {
  const { clock, leave } = leaveOf(members);
  let outcome: Error | "left" | undefined;
  leave.run().then(
    () => {
      outcome = "left";
    },
    (error: Error) => {
      outcome = error;
    },
  );
  for (let polls = 0; outcome === undefined && polls < 1_000; polls++) {
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(250);
  }
  if (outcome === undefined) throw new Error("the leave never settled");
  return outcome;
}

test("past its bound, a leave stops when the other voters still make a majority", async () => {
  expect(await outcomeOf(ids(1, 2))).toBe("left");
});

test("a voter the cluster no longer lists casts no vote: the leave fails and the node serves on", async () => {
  // Node 2 left before (or was removed): stopping node 3 too would leave node 1 alone of 3.
  const outcome = await outcomeOf(ids(1));
  expect(outcome).toBeInstanceOf(RaftoralError);
  expect((outcome as RaftoralError).code).toBe("UNAVAILABLE");
  expect((outcome as Error).message).toContain("groups 1 cannot commit without its vote");
});
