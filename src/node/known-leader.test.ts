// A new workflow's owner is its group's leader; a replica that knows none yet (just restarted
// or joined) waits for the first message that names one rather than taking the workflow on.

import { expect, test } from "bun:test";
import {
  flush,
  HEARTBEAT_2_TO_1,
  joinReplica,
  loneHost,
  raftBatch,
} from "../../test/support/host-cluster.ts";
import { groupId, nodeId } from "../lib/index.ts";
import { newWorkflowOwner } from "./known-leader.ts";

const G = groupId(7);
const TIMEOUT_MS = 1_000;

async function joinedReplica() {
  const { host, clock } = loneHost();
  await joinReplica(host, clock, G);
  const node = { host, clock, leaderWaitMs: TIMEOUT_MS, self: nodeId(1) };
  return { host, clock, node };
}

test("the owner is the leader the replica learns of, once it learns of one", async () => {
  const { host, clock, node } = await joinedReplica();
  let owner: number | undefined;
  void newWorkflowOwner(node, G).then((id) => {
    owner = id;
  });
  clock.advance(100);
  await flush();
  expect(owner).toBeUndefined();
  host.receive(raftBatch(G, HEARTBEAT_2_TO_1));
  for (let k = 0; k < 5 && owner === undefined; k++) {
    clock.advance(1);
    await flush();
  }
  expect(owner).toBe(nodeId(2));
  host.stop();
});

test("with no leader known within the wait, this node owns it", async () => {
  const { host, clock, node } = await joinedReplica();
  let owner: number | undefined;
  void newWorkflowOwner(node, G).then((id) => {
    owner = id;
  });
  clock.advance(TIMEOUT_MS - 1);
  await flush();
  expect(owner).toBeUndefined();
  clock.advance(1);
  await flush();
  expect(owner).toBe(nodeId(1));
  host.stop();
});
