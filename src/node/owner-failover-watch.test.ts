import { expect, test } from "bun:test";
import {
  createLogger,
  type GroupId,
  groupId,
  logIndex,
  type NodeId,
  nodeId,
  VirtualClock,
} from "../lib/index.ts";
import {
  emptyManagementState,
  type GroupRecord,
  type LivenessView,
  type ManagementState,
} from "../management/index.ts";
import type { RaftStatus } from "../raft/index.ts";
import { OwnerFailoverWatch } from "./owner-failover-watch.ts";

const [N1, N2, N3] = [nodeId(1), nodeId(2), nodeId(3)];
const G1 = groupId(1);

function stateWith(members: readonly NodeId[]): ManagementState {
  const group: GroupRecord = {
    id: G1,
    members,
    initialMembers: members,
    draining: false,
    voters: members,
    learners: [],
    configIndex: logIndex(1),
    running: 0,
    leaderId: N1,
    faultTolerance: 1,
  };
  const nodes = new Map(
    members.map((id) => [
      id,
      {
        id,
        address: `n${id}`,
        registeredAt: logIndex(1),
        instance: "",
        incarnation: 0,
        incarnationNonce: "",
        workflowFingerprint: "",
        rulesVersion: 1,
      },
    ]),
  );
  return { ...emptyManagementState(), clusterId: "c", nodes, groups: new Map([[G1, group]]) };
}

/** A node that leads group 1 (voters 1-3) and heard each peer when `heard` says. */
function setUp(options: {
  role: RaftStatus["role"];
  heard: Map<NodeId, number>;
  /** Since when this node leads group 1, as its liveness observer saw it. */
  ledFromMs?: number;
}) {
  const clock = new VirtualClock();
  const calls: { group: GroupId; live: readonly NodeId[] }[] = [];
  const state = stateWith([N1, N2, N3]);
  const status = {
    role: options.role,
    appliedConfState: {
      voters: [N1, N2, N3],
      learners: [],
      votersOutgoing: [],
      learnersNext: [],
      autoLeave: false,
    },
  };
  const view = (): LivenessView => ({
    nowMs: clock.nowMs(),
    heardMs: (id) => options.heard.get(id),
    countFromMs: () => 0,
  });
  const watch = new OwnerFailoverWatch({
    self: N1,
    clock,
    checkIntervalMs: 100,
    ownerFailoverMs: 1_500,
    liveness: {
      asMember: view,
      asLeaderOf: () => ({ ...view(), countFromMs: () => options.ledFromMs ?? 0 }),
    },
    host: { inspect: (id) => (id === G1 ? { status: () => status } : undefined) },
    machine: { state: () => state },
    execution: {
      maintain: async (group, live) => {
        calls.push({ group, live });
      },
    },
    logger: createLogger({ level: "error", format: "text", write: () => undefined }),
  });
  return { clock, calls, watch };
}

async function advance(clock: VirtualClock, ms: number): Promise<void> {
  for (let k = 0; k < ms / 100; k++) {
    clock.advance(100);
    await Promise.resolve();
  }
}

test("a voter silent past ownerFailoverMs is failed over within a tick, once", async () => {
  const heard = new Map([
    [N2, 0],
    [N3, 0],
  ]);
  const { clock, calls, watch } = setUp({ role: "leader", heard });
  watch.start();
  // N3 keeps talking; N2 goes quiet at 0.
  for (let t = 100; t <= 1_500; t += 100) {
    heard.set(N3, t);
    await advance(clock, 100);
  }
  expect(calls).toEqual([]);
  heard.set(N3, 1_600);
  await advance(clock, 100);
  expect(calls).toEqual([{ group: G1, live: [N1, N3] }]);
  for (let t = 1_700; t <= 3_000; t += 100) {
    heard.set(N3, t);
    await advance(clock, 100);
  }
  expect(calls.length).toBe(1);
  watch.stop();
});

test("a voter heard again and silent again is failed over again", async () => {
  const heard = new Map([
    [N2, 0],
    [N3, 0],
  ]);
  const { clock, calls, watch } = setUp({ role: "leader", heard });
  watch.start();
  heard.set(N3, 1_000_000);
  await advance(clock, 1_600);
  expect(calls.length).toBe(1);
  heard.set(N2, 1_600);
  await advance(clock, 100);
  await advance(clock, 1_600);
  expect(calls.length).toBe(2);
  watch.stop();
});

test("a follower leaves failover to the group's leader", async () => {
  const heard = new Map([[N3, 1_000_000]]);
  const { clock, calls, watch } = setUp({ role: "follower", heard });
  watch.start();
  await advance(clock, 3_000);
  expect(calls).toEqual([]);
  watch.stop();
});

test("a voter is not silent in a group before this node has led it for ownerFailoverMs", async () => {
  // Heard from neither follower since the start; this node leads group 1 from 2 s on.
  const { clock, calls, watch } = setUp({ role: "leader", heard: new Map(), ledFromMs: 2_000 });
  watch.start();
  await advance(clock, 3_500);
  expect(calls).toEqual([]);
  await advance(clock, 100);
  expect(calls).toEqual([{ group: G1, live: [N1] }]);
  watch.stop();
});
