import { expect, test } from "bun:test";
import { EXIT_STALE_STATE, exitCodeOf } from "../cli/exit-codes.ts";
import { groupId, MANAGEMENT_GROUP, nodeId } from "../lib/index.ts";
import { stopOnManagementLogLost } from "./management-log-lost.ts";

const REMOVED = nodeId(7);
const DIRECTORY = { isRemoved: (_: unknown, node: number) => node === REMOVED };

test("a lost committed entry stops the node for the management group only, as an old copy", () => {
  const lost = new Error(
    "the leader's log has entry 153 at term 4, where this node committed one at term 3",
  );
  expect(stopOnManagementLogLost(DIRECTORY, groupId(3), lost, nodeId(2))).toBeUndefined();
  // A leader the cluster removed leads a copy forced on it: this node's log is the right one.
  expect(stopOnManagementLogLost(DIRECTORY, MANAGEMENT_GROUP, lost, REMOVED)).toBeUndefined();
  const stop = stopOnManagementLogLost(DIRECTORY, MANAGEMENT_GROUP, lost, nodeId(2)) as Error;
  expect(stop).toMatchObject({ code: "STALE_INCARNATION" });
  expect(stop.message).toStartWith(
    "this node's copy of the management group does not match the cluster's: the leader's log has entry 153",
  );
  expect(stop.message).toContain(
    "If a forced recovery (raftoral cluster recover) left this node out",
  );
  expect(exitCodeOf(stop, "run")).toBe(EXIT_STALE_STATE);
});
