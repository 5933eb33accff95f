// A group snapshots once the log applied since its last snapshot is as large as the next
// snapshot would be. Where the state machine keeps count of its state (StateMachine.stateBytes),
// a state that shrank since (a lower retention) is expected to give a smaller snapshot, so the
// log goes sooner instead of growing until it is as large as the last, larger snapshot.

import { expect, test } from "bun:test";
import { groupId, logIndex, nodeId } from "../../src/lib/index.ts";
import type { StateMachine } from "../../src/multiraft/index.ts";
import { HostCluster } from "../support/host-cluster.ts";
import { kvCommand } from "../support/kv-state-machine.ts";

const G1 = groupId(1);
/** TEST_HOST_CONFIG's snapshotEntries. */
const SNAPSHOT_ENTRIES = 50;

test("a group whose state shrank snapshots without waiting for a log as large as its last snapshot", async () => {
  const cluster = new HostCluster();
  await cluster.startNode(1);
  const kv = cluster.machineFor(1, G1);
  const machine: StateMachine = {
    apply: (command) => kv.apply(command),
    snapshotAfter: (prefix) => kv.snapshotAfter(prefix),
    restore: (data) => kv.restore(data),
    stateBytes: () => [...kv.data.values()].reduce((sum, value) => sum + value.length, 0),
  };
  const host = cluster.hosts.get(nodeId(1))?.host;
  if (host === undefined) throw new Error("no host");
  const created = host.createGroup(G1, { mode: "bootstrap", voters: [nodeId(1)] }, machine);
  await cluster.advance(2);
  await created;
  host.campaign(G1);
  await cluster.until(() => cluster.leaderOf(G1) !== undefined);
  const put = async (key: string, value: string) => {
    let isDone = false;
    void host.propose(G1, kvCommand({ op: "put", key, value })).then(() => {
      isDone = true;
    });
    await cluster.until(() => isDone);
  };

  // 50 KB of state: the first snapshot takes it once the count of entries is reached.
  for (let k = 0; k < SNAPSHOT_ENTRIES; k++) await put(`k${k}`, "x".repeat(1_000));
  const raft = host.inspect(G1);
  await cluster.until(() => raft?.termAt(logIndex(10)) === undefined);
  const firstLast = Number(raft?.status().lastIndex);
  expect(raft?.termAt(logIndex(firstLast))).toBeDefined();

  // Nearly all of it goes; 50 short entries are a log of 2-3 KB against a 50 KB snapshot.
  for (let k = 0; k < SNAPSHOT_ENTRIES; k++) await put(`k${k}`, "");
  await cluster.advance(5);
  expect(raft?.termAt(logIndex(firstLast))).toBeUndefined();
});
