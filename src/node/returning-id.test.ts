import { expect, test } from "bun:test";
import { groupId, nodeId } from "../lib/index.ts";
import type { ClusterStatus } from "../transport/index.ts";
import { checkIdMayReturn } from "./returning-id.ts";

/** Nodes 1-4 registered; execution cluster 2 still counts removed node 5 among its voters. */
const STATUS = {
  nodes: [1, 2, 3, 4].map((id) => ({ nodeId: nodeId(id) })),
  managementVoterIds: [1, 2, 3].map(nodeId),
  groups: [
    { groupId: groupId(1), voters: [1, 2, 3].map(nodeId) },
    { groupId: groupId(2), voters: [4, 5, 6].map(nodeId) },
  ],
} as unknown as ClusterStatus;

test("an id a group still counts as a voter may not come back in a process without its log", () => {
  expect(() => checkIdMayReturn(STATUS, nodeId(5))).toThrow(
    "node 5 was removed, but execution cluster 2 still counts it as a voter",
  );
  expect(() => checkIdMayReturn(STATUS, nodeId(6))).toThrow("Start it without --node-id");
  const inManagement = { ...STATUS, managementVoterIds: [1, 2, 6].map(nodeId) };
  expect(() => checkIdMayReturn(inManagement, nodeId(6))).toThrow(
    "the management group and execution cluster 2 still count it",
  );
  // No group counts 7; node 4 is registered, so the registration itself answers for it.
  expect(() => checkIdMayReturn(STATUS, nodeId(7))).not.toThrow();
  expect(() => checkIdMayReturn(STATUS, nodeId(4))).not.toThrow();
});
