import { describe, expect, test } from "bun:test";
import { type LogIndex, type NodeId, nodeId, seededRandom } from "../lib/index.ts";
import { GROUP_SIZE_MAX, GROUP_SIZE_MIN, placeNodes, planCluster } from "./cluster-manager.ts";
import type { ManagementCommand } from "./commands.ts";
import { applyCommand } from "./management-machine.ts";
import { emptyManagementState, type ManagementState } from "./management-state.ts";

let index = 0;
function apply(state: ManagementState, command: ManagementCommand): ManagementState {
  return applyCommand(state, command, ++index as LogIndex).state;
}

function bootstrapped(): ManagementState {
  return apply(emptyManagementState(), {
    type: "bootstrap",
    clusterId: "c",
    transport: "grpc",
    maxVoters: 5,
    workflowFingerprint: "w",
    node: { id: nodeId(1), address: "n1", instance: "i1" },
  });
}

function join(state: ManagementState, id: number): ManagementState {
  return apply(state, {
    type: "registerNode",
    address: `n${id}`,
    requestedId: nodeId(id),
    workflowFingerprint: "w",
    instance: `i${id}`,
  });
}

/** Every group that has not reported yet comes up: its leader reports its members. */
function reportAll(initial: ManagementState): ManagementState {
  let state = initial;
  for (const group of initial.groups.values()) {
    if (group.configIndex > 0) continue;
    state = apply(state, {
      type: "reportGroupConfig",
      groupId: group.id,
      voters: group.members,
      learners: [],
      configIndex: 1,
    });
  }
  return state;
}

/** Runs the placement plan to a fixed point; drained groups are destroyed at once. */
function settle(initial: ManagementState): ManagementState {
  let state = initial;
  for (let steps = 0; steps < 500; steps++) {
    state = reportAll(state);
    const drained = [...state.groups.values()].find(
      (group) =>
        group.draining &&
        [...state.nodes.keys()].every(
          (id) => !group.members.includes(id) || inOther(state, id, group.id),
        ),
    );
    const heir = [...state.groups.values()].find((group) => !group.draining);
    if (drained !== undefined && heir !== undefined) {
      state = apply(state, { type: "destroyGroup", groupId: drained.id, resultsMovedTo: heir.id });
      continue;
    }
    const actions = placeNodes(state);
    if (actions.length === 0) return state;
    for (const action of actions)
      if (action.type === "command") state = apply(state, action.command);
  }
  throw new Error("placement did not settle in 500 steps");
}

function inOther(state: ManagementState, id: NodeId, except: number): boolean {
  return [...state.groups.values()].some(
    (group) => group.id !== except && !group.draining && group.members.includes(id),
  );
}

function expectSettled(state: ManagementState): void {
  const nodes = [...state.nodes.keys()];
  const active = [...state.groups.values()].filter((group) => !group.draining);
  if (nodes.length < GROUP_SIZE_MIN) {
    expect(active).toHaveLength(1);
    expect([...(active[0]?.members ?? [])].sort()).toEqual([...nodes].sort());
    return;
  }
  for (const group of active) {
    expect(group.members.length).toBeGreaterThanOrEqual(GROUP_SIZE_MIN);
    expect(group.members.length).toBeLessThanOrEqual(GROUP_SIZE_MAX);
  }
  for (const id of nodes) expect(active.some((group) => group.members.includes(id))).toBe(true);
}

describe("execution group placement", () => {
  test("the bootstrap node gets group 1", () => {
    const state = settle(bootstrapped());
    expect([...state.groups.values()].map((group) => [group.id, group.members])).toEqual([
      [1, [1]],
    ] as never);
  });

  test("a sixth member splits the group 3+3", () => {
    let state = settle(bootstrapped());
    for (let id = 2; id <= 6; id++) state = settle(join(state, id));
    const groups = [...state.groups.values()].map((group) => group.members);
    expect(groups).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ] as never);
  });

  test("a group that falls below 3 takes a member from a bigger group, or drains", () => {
    let state = settle(bootstrapped());
    for (let id = 2; id <= 8; id++) state = settle(join(state, id));
    state = settle(apply(state, { type: "removeNode", nodeId: nodeId(4), reason: "test" }));
    state = settle(apply(state, { type: "removeNode", nodeId: nodeId(5), reason: "test" }));
    expectSettled(state);
  });

  test("a draining group keeps three members, taken from nobody, until it is destroyed", () => {
    let state = settle(bootstrapped());
    for (let id = 2; id <= 6; id++) state = settle(join(state, id));
    state = reportAll(state);
    const remove = (from: ManagementState, id: number) =>
      apply(from, { type: "removeNode", nodeId: nodeId(id), reason: "test" });
    const members = (from: ManagementState, id: number) => from.groups.get(id as never)?.members;
    // Group 2 falls to two members and nobody can spare one: it drains.
    state = remove(state, 4);
    expect(placeNodes(state)[0]).toEqual({
      type: "command",
      command: { type: "setDraining", groupId: 2 as never, draining: true },
    });
    state = apply(state, { type: "setDraining", groupId: 2 as never, draining: true });
    for (let step = 0; step < 3; step++) {
      for (const action of placeNodes(state))
        if (action.type === "command") state = apply(state, action.command);
    }
    expect(members(state, 2)).toEqual([1, 5, 6] as never);
    // Its other members go too: the lowest nodes not in it serve it until it is destroyed.
    state = remove(remove(state, 5), 6);
    expect(placeNodes(state)[0]).toEqual({
      type: "command",
      command: { type: "setGroupMembers", groupId: 2 as never, members: [1, 2, 3] as never },
    });
    expect(members(state, 1)).toEqual([1, 2, 3] as never);
  });

  test("a group that loses a node to its replacement at the same address takes the new node", () => {
    let state = settle(bootstrapped());
    for (let id = 2; id <= 6; id++) state = settle(join(state, id));
    state = reportAll(state);
    // Node 4's disk was wiped: a new process at its address takes its place in one command.
    state = apply(state, {
      type: "registerNode",
      address: "n4",
      requestedId: nodeId(0),
      workflowFingerprint: "w",
      instance: "i4-wiped",
    });
    const replacement = [...state.nodes.values()].find((node) => node.address === "n4")?.id;
    expect(replacement).toBe(nodeId(7));
    expect(placeNodes(state)).toEqual([
      {
        type: "command",
        command: { type: "setGroupMembers", groupId: 2 as never, members: [5, 6, 7] as never },
      },
    ]);
  });

  test("a group whose creators are gone before it ever had a leader is destroyed", () => {
    let state = settle(bootstrapped());
    for (let id = 2; id <= 3; id++) state = settle(join(state, id));
    for (let id = 4; id <= 6; id++) state = join(state, id);
    state = apply(state, { type: "createGroup", members: [nodeId(4), nodeId(5), nodeId(6)] });
    const remove = (from: ManagementState, id: number) =>
      apply(from, { type: "removeNode", nodeId: nodeId(id), reason: "test" });
    const lost = remove(remove(state, 4), 5);
    expect(placeNodes(lost)[0]).toEqual({
      type: "command",
      command: { type: "destroyGroup", groupId: 2 as never },
    });
    // Once its leader reported in, it may hold workflows: it is repaired, not destroyed.
    const reported = remove(remove(reportAll(state), 4), 5);
    expect(
      placeNodes(reported).some((a) => a.type === "command" && a.command.type === "destroyGroup"),
    ).toBe(false);
  });

  test.each([1, 2, 3, 4, 5, 6, 7, 11, 20])("grows to %i nodes one by one and settles", (count) => {
    let state = settle(bootstrapped());
    for (let id = 2; id <= count; id++) state = settle(join(state, id));
    expectSettled(state);
  });

  test("random joins and removals always settle into the right shape", () => {
    const random = seededRandom(11);
    for (let run = 0; run < 200; run++) {
      let state = settle(bootstrapped());
      let next = 2;
      for (let step = 0; step < 30; step++) {
        const nodes = [...state.nodes.keys()];
        if (nodes.length > 1 && random.chance(0.4)) {
          const victim = random.pick(nodes.filter((id) => id !== 1));
          state = apply(state, { type: "removeNode", nodeId: victim, reason: "test" });
        } else {
          state = join(state, next++);
        }
        if (random.chance(0.5)) {
          state = settle(state);
          expectSettled(state);
        }
      }
      expectSettled(settle(state));
    }
  });
});

describe("management group configuration", () => {
  function plan(
    state: ManagementState,
    voters: number[],
    learners: number[],
    silent: number[] = [],
  ) {
    return planCluster({
      self: nodeId(1),
      state,
      managementVoters: voters.map(nodeId),
      managementLearners: learners.map(nodeId),
      managementLastIndex: 50 as LogIndex,
      managementMatchOf: () => 50 as LogIndex,
      isManagementActive: () => true,
      silentNodes: new Set(silent.map(nodeId)),
    }).filter((action) => action.type !== "command");
  }
  const changes = (...list: [string, number][]) => [
    {
      type: "managementChange",
      changes: list.map(([type, id]) => ({ type, nodeId: nodeId(id) })),
    },
  ];

  test("a second node joins as a learner and stays one: two voters would be fragile", () => {
    const two = join(bootstrapped(), 2);
    expect(plan(two, [1], [])).toEqual(changes(["addLearner", 2]) as never);
    expect(plan(two, [1], [2])).toEqual([]);
  });

  test("with a third node, one voter becomes three in one joint change", () => {
    const three = join(join(bootstrapped(), 2), 3);
    expect(plan(three, [1], [2])).toEqual(changes(["addLearner", 3]) as never);
    expect(plan(three, [1], [2, 3])).toEqual(changes(["addVoter", 2], ["addVoter", 3]) as never);
    // A silent learner is not promoted, and one promotion alone would make two voters.
    expect(plan(three, [1], [2, 3], [3]).filter((a) => a.type === "managementChange")).toEqual([]);
  });

  test("back to two nodes: one voter and a learner, in one joint change", () => {
    const three = join(join(bootstrapped(), 2), 3);
    const two = apply(three, { type: "removeNode", nodeId: nodeId(3), reason: "test" });
    expect(plan(two, [1, 2, 3], [])).toEqual(
      changes(["removeNode", 3], ["addLearner", 2]) as never,
    );
  });

  test("silent nodes are removed, but not by a leader that left: the cluster keeps a member", () => {
    const two = join(bootstrapped(), 2);
    const silentTwo = (state: ManagementState) =>
      planCluster({
        self: nodeId(1),
        state,
        managementVoters: [nodeId(1)],
        managementLearners: [nodeId(2)],
        managementLastIndex: 50 as LogIndex,
        managementMatchOf: () => 50 as LogIndex,
        isManagementActive: () => true,
        silentNodes: new Set([nodeId(2)]),
      }).filter((action) => action.type === "command" && action.command.type === "removeNode");
    expect(silentTwo(two)).toHaveLength(1);
    const left = apply(two, { type: "removeNode", nodeId: nodeId(1), reason: "test" });
    expect(silentTwo(left)).toEqual([]);
  });

  test("nodes past maxVoters are learners; a fourth and fifth vote", () => {
    let state = bootstrapped();
    for (let id = 2; id <= 6; id++) state = join(state, id);
    expect(plan(state, [1, 2, 3], [4, 5, 6])).toEqual(changes(["addVoter", 4]) as never);
    expect(plan(state, [1, 2, 3, 4, 5], [6])).toEqual([]);
  });
});
