import { expect, test } from "bun:test";
import { type GroupId, groupId } from "../lib/index.ts";
import { emptyManagementState, type ManagementState } from "../management/index.ts";
import { groupExists } from "./known-group.ts";

/** A management view with groups `ids`, and ids below `nextGroupId` handed out so far. */
function viewWith(ids: readonly number[], nextGroupId: number): ManagementState {
  const groups = new Map(ids.map((id) => [groupId(id), { id: groupId(id) }]));
  return { ...emptyManagementState(), groups, nextGroupId: groupId(nextGroupId) } as never;
}

/** A node that knows groups 1 and 2 (3 was destroyed), and `caughtUp` once it catches up. */
function lagging(caughtUp: ManagementState) {
  let state = viewWith([1, 2], 4);
  let catchUps = 0;
  const context = {
    state: () => state,
    catchUpManagement: async () => {
      catchUps++;
      state = caughtUp;
    },
  };
  return { context, catchUps: () => catchUps };
}

const exists = (node: ReturnType<typeof lagging>, id: GroupId) => groupExists(node.context, id);

test("a group this node knows exists, with no round trip", async () => {
  const node = lagging(viewWith([1, 2, 4], 5));
  expect(await exists(node, groupId(2))).toBe(true);
  expect(node.catchUps()).toBe(0);
});

test("a group destroyed before stays gone, with no round trip", async () => {
  const node = lagging(viewWith([1, 2, 3], 5));
  expect(await exists(node, groupId(3))).toBe(false);
  expect(node.catchUps()).toBe(0);
});

test("a group created since this node last heard is found once it caught up", async () => {
  const node = lagging(viewWith([1, 2, 4], 5));
  expect(await exists(node, groupId(4))).toBe(true);
  expect(node.catchUps()).toBe(1);
});

test("an id no group ever had is not found, after catching up", async () => {
  const node = lagging(viewWith([1, 2], 4));
  expect(await exists(node, groupId(7))).toBe(false);
  expect(node.catchUps()).toBe(1);
});
