import { expect, test } from "bun:test";
import {
  createLogger,
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

/** The cluster as its management leader lists it: `members`, and group 1's configuration. */
function clusterOf(members: readonly NodeId[], group1: readonly NodeId[], configIndex = 3) {
  return {
    clusterId: "test",
    transport: "grpc",
    nodeId: nodeId(4),
    managementLeaderNodeId: nodeId(4),
    nodes: members.map((id) => ({
      nodeId: id,
      address: `node-${id}:7001`,
      managementRole: "voter",
      isManagementLeader: id === 4,
    })),
    groups: [
      {
        groupId: groupId(1),
        members: group1,
        voters: group1,
        learners: [],
        draining: true,
        runningWorkflows: 1,
        leaderId: nodeId(1),
        configIndex: logIndex(configIndex),
        faultTolerance: 1,
      },
    ],
    managementFaultTolerance: 0,
    faultTolerance: 0,
    lostNodeIds: [],
  } satisfies ClusterStatus;
}

/**
 * Node 3, out of the cluster already, with these replicas of the management group and of
 * execution group 1; the management leader answers with `world.answer`. Both may change
 * between runs of the leave.
 */
interface LeaveWorld {
  replicas: readonly [number, RaftStatus][];
  answer: ClusterStatus;
  /** Nodes a probe does not reach (the others are not asked). */
  unreachable?: readonly number[];
}

function leaveOf(world: LeaveWorld) {
  const clock = new VirtualClock();
  const leave = new ClusterLeave({
    self: SELF,
    host: {
      groupIds: () => world.replicas.map(([id]) => groupId(id)),
      inspect: (id) => {
        const status = world.replicas.find(([replica]) => replica === id)?.[1];
        return status === undefined ? undefined : { status: () => status };
      },
      propose: () => Promise.reject(new Error("a node out of the cluster proposes nothing")),
    },
    clock,
    logger: createLogger({ level: "error", format: "text", write: () => undefined }),
    proposalTimeoutMs: 1_000,
    isMember: () => false,
    markLeaving: () => Promise.reject(new Error("a node out of the cluster marks nothing")),
    leaderStatus: async () => world.answer,
    probe: async () =>
      (world.unreachable ?? []).map((id) => ({
        nodeId: nodeId(id),
        address: `node-${id}:7001`,
        status: "unreachable" as const,
      })),
  });
  return { clock, leave };
}

/** Runs the leave under its virtual clock until it settles. */
async function outcomeOf(clock: VirtualClock, leave: ClusterLeave): Promise<Error | "left"> {
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

/** One leave in `world`, run once. */
async function leaveOnce(world: LeaveWorld): Promise<Error | "left"> {
  const { clock, leave } = leaveOf(world);
  return outcomeOf(clock, leave);
}

/** Node 3 votes in group 1 with nodes 1 and 2, which never replaces it (it is draining). */
const VOTER_IN_GROUP_1: [number, RaftStatus][] = [
  [0, statusOf(ids(1, 2))],
  [1, statusOf(ids(1, 2, 3))],
];

test("past its bound, a leave stops when the other voters still make a majority", async () => {
  const answer = clusterOf(ids(1, 2, 4), ids(1, 2, 3));
  expect(await leaveOnce({ replicas: VOTER_IN_GROUP_1, answer })).toBe("left");
});

test("a voter the cluster no longer lists casts no vote: the leave fails and the node serves on", async () => {
  // Node 2 left before (or was removed): stopping node 3 too would leave node 1 alone of 3.
  const answer = clusterOf(ids(1, 4), ids(1, 2, 3));
  const outcome = await leaveOnce({ replicas: VOTER_IN_GROUP_1, answer });
  expect(outcome).toBeInstanceOf(RaftoralError);
  expect((outcome as RaftoralError).code).toBe("UNAVAILABLE");
  expect((outcome as Error).message).toContain("groups 1 cannot commit without its vote");
});

test("past its bound, a leave fails while the other voters that answer make no majority", async () => {
  // Nodes 1 and 2 are still listed, but node 2 went down after the leave began: stopping
  // node 3 would leave group 1 stuck until node 2 is back, where node 1 and 3 still commit.
  const answer = clusterOf(ids(1, 2, 4), ids(1, 2, 3));
  const outcome = await leaveOnce({ replicas: VOTER_IN_GROUP_1, answer, unreachable: [2] });
  expect((outcome as RaftoralError).code).toBe("UNAVAILABLE");
  expect((outcome as Error).message).toContain("groups 1 cannot commit without its vote");
});

test("past its bound, a leave fails while the management group cannot commit without it", async () => {
  // Node 3 still votes in the management group with nodes 1 and 2, which went down after
  // the leave began; the execution group replaced node 3 already.
  const replicas: [number, RaftStatus][] = [[0, statusOf(ids(1, 2, 3))]];
  const answer = clusterOf(ids(1, 2, 4), ids(1, 2, 4));
  const outcome = await leaveOnce({ replicas, answer, unreachable: [1, 2] });
  expect((outcome as RaftoralError).code).toBe("UNAVAILABLE");
  expect((outcome as Error).message).toContain("groups 0 cannot commit without its vote");
});

test("the cluster's nodes are asked again at every poll: nodes that came back count again", async () => {
  // Node 3's replica of the management group lags: it still counts six voters. Nodes 1 and 2
  // are out when the leave begins, so group 1 cannot do without node 3 and the leave fails.
  const management: [number, RaftStatus] = [0, statusOf(ids(1, 2, 3, 4, 5, 6))];
  const world: LeaveWorld = {
    replicas: [management, [1, statusOf(ids(1, 2, 3))]],
    answer: clusterOf(ids(4, 5, 6), ids(1, 2, 3)),
  };
  const { clock, leave } = leaveOf(world);
  expect(await outcomeOf(clock, leave)).toBeInstanceOf(RaftoralError);
  // Nodes 1 and 2 came back and group 1 replaced node 3 (its own replica saw it): only the
  // lagging management replica is left, whose six voters now all but node 3 are listed.
  world.replicas = [management, [1, statusOf(ids(1, 2, 4))]];
  world.answer = clusterOf(ids(1, 2, 4, 5, 6), ids(1, 2, 4), 20);
  expect(await outcomeOf(clock, leave)).toBe("left");
});

test("a replica that has not received its group's configuration yet counts: the leave waits for the group", async () => {
  // Node 3 was given a replica of group 1 and left before it caught up: the replica knows no
  // configuration, but the group's leader reports node 3 among its voters, and node 2 is gone.
  const answer = clusterOf(ids(1, 4), ids(1, 2, 3));
  const replicas: [number, RaftStatus][] = [
    [0, statusOf(ids(1, 2))],
    [1, statusOf([])],
  ];
  const outcome = await leaveOnce({ replicas, answer });
  expect(outcome).toBeInstanceOf(RaftoralError);
  expect((outcome as Error).message).toContain("groups 1 cannot commit without its vote");
  // Once the group reports a configuration without node 3, the leave is done.
  const replaced = clusterOf(ids(1, 4), ids(1, 4, 5), 20);
  expect(await leaveOnce({ replicas, answer: replaced })).toBe("left");
});

test("a management replica that missed its own removal defers to the leader's fault tolerance", async () => {
  // Node 3 was removed while cut off: its replica of the management group still counts voters
  // 1, 2, 3 and 4, of which 2 is gone too, while the group's leader runs voters 1, 4 and 5.
  const replicas: [number, RaftStatus][] = [[0, statusOf(ids(1, 2, 3, 4))]];
  const cluster = clusterOf(ids(1, 4, 5), ids(1, 4, 5), 20);
  expect(await leaveOnce({ replicas, answer: { ...cluster, managementFaultTolerance: 1 } })).toBe(
    "left",
  );
  // A leader that survives no further failure may still count on it: the leave fails.
  const outcome = await leaveOnce({ replicas, answer: cluster });
  expect((outcome as Error).message).toContain("groups 0 cannot commit without its vote");
});

test("a management replica that missed its own removal believes the leader's configuration without it", async () => {
  // Nodes 2 and 3 left together, leaving two nodes: the leader runs node 4 as the only voter
  // (node 5 learns), so it survives no failure, while node 3's replica, which missed its
  // removal, still counts voters 2, 3, 4 and 5. Node 3 is not needed: its leave is done.
  const replicas: [number, RaftStatus][] = [[0, statusOf(ids(2, 3, 4, 5))]];
  const cluster = clusterOf(ids(4, 5), ids(4, 5), 20);
  expect(await leaveOnce({ replicas, answer: { ...cluster, managementVoterIds: ids(4) } })).toBe(
    "left",
  );
  // Still among the leader's voters, it may be needed: the leave fails as before.
  const outcome = await leaveOnce({
    replicas,
    answer: { ...cluster, managementVoterIds: ids(2, 3, 4, 5) },
  });
  expect((outcome as Error).message).toContain("groups 0 cannot commit without its vote");
});

/**
 * Node 3, still a member, voting in the management group and group 1 with `voters`; its
 * removal commits unless `refusal` says why it was not applied.
 */
function memberLeaving(
  voters: readonly NodeId[],
  alive: (nowMs: number) => readonly number[],
  refusal?: RaftoralError,
) {
  const clock = new VirtualClock();
  const proposed: string[] = [];
  let isMember = true;
  const leave = new ClusterLeave({
    self: SELF,
    host: {
      groupIds: () => [groupId(0), groupId(1)],
      inspect: () => ({ status: () => statusOf(voters) }),
      propose: async () => {
        proposed.push("removeNode");
        if (refusal !== undefined) throw refusal;
        isMember = false;
        return undefined;
      },
    },
    clock,
    logger: createLogger({ level: "error", format: "text", write: () => undefined }),
    proposalTimeoutMs: 1_000,
    isMember: () => isMember,
    markLeaving: async (isLeaving) => {
      proposed.push(isLeaving ? "markLeaving" : "unmarkLeaving");
    },
    leaderStatus: async () => ({
      ...clusterOf(
        voters.filter((id) => id !== SELF),
        ids(1, 2, 4, 5),
        20,
      ),
      managementFaultTolerance: 1,
    }),
    probe: async () =>
      alive(clock.nowMs()).map((id) => ({
        nodeId: nodeId(id),
        address: `node-${id}:7001`,
        status: "ok",
      })),
  });
  return { clock, leave, proposed };
}

test("a member does not leave while the voters that answer would make no majority without it", async () => {
  // Nodes 4 and 5 were just killed: the leaders may not know it yet, a probe does.
  const { clock, leave, proposed } = memberLeaving(ids(1, 2, 3, 4, 5), () => [1, 2, 3]);
  const outcome = await outcomeOf(clock, leave);
  expect(outcome).toBeInstanceOf(RaftoralError);
  expect((outcome as RaftoralError).code).toBe("UNAVAILABLE");
  expect((outcome as Error).message).toBe(
    "node 3 cannot leave now: in groups 0 (nodes 4, 5); 1 (nodes 4, 5) the voters that " +
      "answer, this node aside, are no majority of their voters now, or no learner answers " +
      "to take the place of this node as their only voter (the nodes named do not answer), so " +
      "without it those groups would have no failure to spare, or none left. " +
      "Nothing was changed and the node serves on: bring them back, or wait until the cluster " +
      "replaces them, then leave again",
  );
  expect(proposed).toEqual([]);
});

test("a member leaves once enough voters answer again, within a proposal timeout", async () => {
  // Node 4 answers again half a second into the leave.
  const alive = (nowMs: number) => (nowMs < 500 ? [1, 2, 3] : [1, 2, 3, 4]);
  const { clock, leave, proposed } = memberLeaving(ids(1, 2, 3, 4, 5), alive);
  // One silent voter of five is no obstacle: three of the five answer without node 3.
  expect(await outcomeOf(clock, leave)).toBe("left");
  // The storage says the leave began before the removal can commit.
  expect(proposed).toEqual(["markLeaving", "removeNode"]);
});

test("a member whose removal was not applied is no longer marked as leaving", async () => {
  const refusal = new RaftoralError("UNAVAILABLE", "no leader accepted the proposal");
  const { clock, leave, proposed } = memberLeaving(ids(1, 2, 3), () => [1, 2, 3], refusal);
  expect(await outcomeOf(clock, leave)).toBe(refusal);
  // Told its leave failed, it is a member as any other: removed later, it registers again.
  expect(proposed).toEqual(["markLeaving", "removeNode", "unmarkLeaving"]);
});

/**
 * Node 3 (SELF), the only voter of groups 0 and 1 with `learners`; `answering()` names the
 * nodes a probe reaches now.
 */
function soleVoterLeaving(learners: readonly number[], answering: () => readonly number[]) {
  const clock = new VirtualClock();
  const proposed: string[] = [];
  const conf = { ...EMPTY_CONF_STATE, voters: [SELF], learners: learners.map(nodeId) };
  const status: RaftStatus = { ...statusOf([SELF]), confState: conf, appliedConfState: conf };
  const leave = new ClusterLeave({
    self: SELF,
    host: {
      groupIds: () => [groupId(0), groupId(1)],
      inspect: () => ({ status: () => status }),
      propose: async () => {
        proposed.push("removeNode");
        return undefined;
      },
    },
    clock,
    logger: createLogger({ level: "error", format: "text", write: () => undefined }),
    proposalTimeoutMs: 1_000,
    isMember: () => !proposed.includes("removeNode"),
    markLeaving: async (isLeaving) => {
      proposed.push(isLeaving ? "markLeaving" : "unmarkLeaving");
    },
    leaderStatus: async () => undefined,
    probe: async () =>
      answering().map((id) => ({
        nodeId: nodeId(id),
        address: `node-${id}:7001`,
        status: "ok" as const,
      })),
  });
  return { clock, proposed, leave };
}

test("a sole voter does not leave while no learner of its groups answers to take its vote", async () => {
  // A two-node cluster: node 3 votes alone, node 4 learns, and node 4 is down. Before, the
  // leave removed node 3 from the management state, then waited out its bound for a hand-over
  // that could not happen, and failed with node 3 out of the cluster yet its only voter.
  let learnerAnswers = false;
  const { clock, proposed, leave } = soleVoterLeaving([4], () => (learnerAnswers ? [3, 4] : [3]));
  const outcome = await outcomeOf(clock, leave);
  expect((outcome as RaftoralError).code).toBe("UNAVAILABLE");
  expect((outcome as Error).message).toContain(
    "cannot leave now: in groups 0 (nodes 4); 1 (nodes 4)",
  );
  expect(proposed).toEqual([]);
  // With the learner back, the leave goes ahead.
  learnerAnswers = true;
  leave.run().catch(() => undefined);
  for (let polls = 0; polls < 5 && proposed.length === 0; polls++) {
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(250);
  }
  // The storage says the leave began before the removal can commit.
  expect(proposed).toEqual(["markLeaving", "removeNode"]);
});

test("a sole voter whose groups have no learner at all does not leave either", async () => {
  const { clock, proposed, leave } = soleVoterLeaving([], () => [3]);
  const outcome = await outcomeOf(clock, leave);
  expect((outcome as Error).message).toContain(
    "cannot leave now: in groups 0 (no other member); 1 (no other member)",
  );
  expect(proposed).toEqual([]);
});
