import { expect, test } from "bun:test";
import {
  type GroupId,
  groupId,
  logIndex,
  nodeId,
  RaftoralError,
  VirtualClock,
} from "../lib/index.ts";
import type { ManagementMachine } from "../management/index.ts";
import { chooseGroup, isStartWorthAnotherGroup, startInSomeGroup } from "./choose-group.ts";

/** A management state with these groups (id, running workflows, members, draining). */
function machineWith(
  groups: readonly {
    id: number;
    running: number;
    members: number[];
    draining?: boolean;
    leaderless?: boolean;
  }[],
): ManagementMachine {
  const records = groups.map((group) => ({
    id: groupId(group.id),
    members: group.members.map(nodeId),
    initialMembers: group.members.map(nodeId),
    draining: group.draining === true,
    voters: group.members.map(nodeId),
    learners: [],
    configIndex: logIndex(1),
    running: group.running,
    leaderId: nodeId(group.leaderless === true ? 0 : (group.members[0] ?? 0)),
    faultTolerance: 1,
  }));
  const state = { groups: new Map(records.map((record) => [record.id, record])) };
  return { state: () => state, subscribe: () => () => undefined } as unknown as ManagementMachine;
}

test("the least loaded group takes a start; among equals one this node hosts, then the lowest id", async () => {
  const groups = [
    { id: 1, running: 0, members: [2, 3, 4] },
    { id: 2, running: 0, members: [1, 2, 3] },
    { id: 3, running: 5, members: [1] },
    { id: 4, running: 0, members: [1], draining: true },
  ];
  const choose = (self: number, excluded: number[] = [], machine = machineWith(groups)) =>
    chooseGroup(
      { machine, clock: new VirtualClock(), self: nodeId(self), waitMs: 1_000 },
      excluded.map(groupId),
      undefined,
    );
  expect(await choose(1)).toBe(groupId(2)); // hosts 2, not 1; 4 drains
  expect(await choose(4)).toBe(groupId(1)); // hosts 1 only
  expect(await choose(9)).toBe(groupId(1)); // hosts neither: the lowest id
  expect(await choose(1, [2])).toBe(groupId(1)); // excluded: the next
  // Load decides before hosting does.
  const busier = machineWith(groups.map((g) => (g.id === 2 ? { ...g, running: 1 } : g)));
  expect(await choose(1, [], busier)).toBe(groupId(1));
  // A group reported leaderless comes after those with a leader, however loaded they are,
  // and is still chosen when no other is left.
  const leaderless = machineWith(
    groups.map((g) => (g.id === 1 ? { ...g, leaderless: true } : { ...g, running: 9 })),
  );
  expect(await choose(4, [], leaderless)).toBe(groupId(2));
  expect(await choose(4, [2, 3], leaderless)).toBe(groupId(1));
});

test("with every group excluded it fails at once; with none yet it waits for the first", async () => {
  const clock = new VirtualClock();
  const context = (machine: ManagementMachine) => ({
    machine,
    clock,
    self: nodeId(1),
    waitMs: 5_000,
  });
  const excludedAll = chooseGroup(
    context(machineWith([{ id: 1, running: 0, members: [1] }])),
    [groupId(1)],
    undefined,
  );
  await expect(excludedAll).rejects.toThrow("No execution clusters available");
  expect(clock.nowMs()).toBe(0);
  let isSettled = false;
  const none = chooseGroup(context(machineWith([])), [], undefined).catch((error: Error) => {
    isSettled = true;
    return error;
  });
  await Promise.resolve();
  expect(isSettled).toBe(false);
  clock.advance(5_000);
  expect(((await none) as Error).message).toContain("No execution clusters available");
});

test("when no other group is left, the answer is why the last one could not take the start", async () => {
  const leaderless = new RaftoralError(
    "UNAVAILABLE",
    "Execution cluster 1 has had no leader for 30 s",
  );
  const choose = async (excluded: readonly GroupId[]) => {
    if (excluded.length > 0)
      throw new RaftoralError("UNAVAILABLE", "No execution clusters available");
    return groupId(1);
  };
  const { startIn, tried } = startFailingIn(new Map([[1, leaderless]]));
  await expect(startInSomeGroup(choose, startIn)).rejects.toBe(leaderless);
  expect(tried).toEqual([groupId(1)]);
});

/** Groups 1, 2, 3, ... chosen in order, skipping the excluded ones; records every choice. */
function chooser() {
  const choices: (readonly GroupId[])[] = [];
  const choose = async (excluded: readonly GroupId[]) => {
    choices.push([...excluded]);
    let id = 1;
    while (excluded.includes(groupId(id))) id++;
    return groupId(id);
  };
  return { choose, choices };
}

/** A start that fails in the groups of `failures` with their error, and succeeds elsewhere. */
function startFailingIn(failures: ReadonlyMap<number, RaftoralError>) {
  const tried: GroupId[] = [];
  const startIn = async (target: GroupId) => {
    tried.push(target);
    const failure = failures.get(target);
    if (failure !== undefined) throw failure;
    return `started in ${target}`;
  };
  return { startIn, tried };
}

test("a start whose group left this node is sent again, to wherever the group is now", async () => {
  const { choose, choices } = chooser();
  const tried: GroupId[] = [];
  const startIn = async (target: GroupId) => {
    tried.push(target);
    if (tried.length === 1) throw new RaftoralError("UNKNOWN_GROUP", "not hosted here");
    return `started in ${target}`;
  };
  expect(await startInSomeGroup(choose, startIn)).toBe("started in 1");
  expect(tried).toEqual([groupId(1), groupId(1)]);
  expect(choices).toEqual([[], []]);
});

test("a forwarded start told the group does not exist, or is draining, moves on too", async () => {
  const { choose } = chooser();
  const failures = new Map([
    [1, new RaftoralError("NOT_FOUND", "execution cluster 1 does not exist")],
    [2, new RaftoralError("UNAVAILABLE", "execution cluster 2 is draining")],
  ]);
  const { startIn, tried } = startFailingIn(failures);
  expect(await startInSomeGroup(choose, startIn)).toBe("started in 3");
  expect(tried).toEqual([groupId(1), groupId(2), groupId(3)]);
});

test("a start whose outcome is unknown is not sent again elsewhere", async () => {
  const { choose } = chooser();
  const timeout = new RaftoralError("TIMEOUT", "it may still be applied");
  const { startIn, tried } = startFailingIn(new Map([[1, timeout]]));
  await expect(startInSomeGroup(choose, startIn)).rejects.toBe(timeout);
  expect(tried).toEqual([groupId(1)]);
});

test("after three groups that could not take it, the last failure is the answer", async () => {
  const { choose } = chooser();
  const failures = new Map(
    [1, 2, 3, 4].map((id) => [id, new RaftoralError("NOT_FOUND", `group ${id} is gone`)]),
  );
  const { startIn, tried } = startFailingIn(failures);
  await expect(startInSomeGroup(choose, startIn)).rejects.toBe(failures.get(3) as RaftoralError);
  expect(tried).toEqual([groupId(1), groupId(2), groupId(3)]);
});

test("only failures raised before the start could commit are worth another group", () => {
  for (const code of ["UNAVAILABLE", "UNKNOWN_GROUP", "NOT_FOUND"] as const) {
    expect(isStartWorthAnotherGroup(new RaftoralError(code, "x"))).toBe(true);
  }
  for (const code of ["TIMEOUT", "ALREADY_EXISTS", "INVALID_ARGUMENT", "INTERNAL"] as const) {
    expect(isStartWorthAnotherGroup(new RaftoralError(code, "x"))).toBe(false);
  }
  expect(isStartWorthAnotherGroup(new Error("not ours"))).toBe(false);
  // A forwarded start whose member took it and then went silent may have started it.
  const lost = new RaftoralError("UNAVAILABLE", "connection reset", { isAnswerLost: true });
  expect(isStartWorthAnotherGroup(lost)).toBe(false);
});
