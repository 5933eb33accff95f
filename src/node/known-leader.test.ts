// A new workflow's owner is its group's leader; a replica that knows none yet (just restarted
// or joined) waits for the first message that names one rather than taking the workflow on.

import { expect, test } from "bun:test";
import { flush, loneHost } from "../../test/support/host-cluster.ts";
import { KvStateMachine } from "../../test/support/kv-state-machine.ts";
import { groupId, logIndex, nodeId, term } from "../lib/index.ts";
import { newWorkflowOwner } from "./known-leader.ts";

const G = groupId(7);
const TIMEOUT_MS = 1_000;

async function joinedReplica() {
  const { host, clock } = loneHost();
  const created = host.createGroup(G, { mode: "join" }, new KvStateMachine());
  for (let k = 0; k < 3; k++) {
    clock.advance(1);
    await flush();
  }
  await created;
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
  host.receive({
    from: nodeId(2),
    to: nodeId(1),
    messages: [
      {
        type: "raft",
        groupId: G,
        message: {
          type: "Heartbeat",
          from: nodeId(2),
          to: nodeId(1),
          term: term(3),
          leaderCommit: logIndex(0),
          readContext: "",
        },
      },
    ],
  });
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
