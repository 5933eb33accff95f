// raftoral_raft_snapshot_bytes is the size of a group's latest snapshot here. A restart
// restores each group from its stored snapshot; the gauge said nothing of it until the node
// took or installed another one, so dashboards of state size went blank at every restart.

import { expect, test } from "bun:test";
import { groupId, MetricsRegistry } from "../../src/lib/index.ts";
import { MemoryLogStorage } from "../../src/storage/index.ts";
import { loneHost, loneHostWithGroup, settle } from "../support/host-cluster.ts";
import { KvStateMachine, kvCommand } from "../support/kv-state-machine.ts";

const G1 = groupId(1);

/** The gauge's value for group 1, or undefined when it has no sample. */
function snapshotBytes(metrics: MetricsRegistry): number | undefined {
  const line = metrics
    .render()
    .split("\n")
    .find((text) => text.startsWith('raftoral_raft_snapshot_bytes{group="1"}'));
  return line === undefined ? undefined : Number(line.split(" ").at(-1));
}

test("a restarted node has the snapshot gauge of each group it restored from a snapshot", async () => {
  const storage = new MemoryLogStorage();
  const before = new MetricsRegistry();
  const { host, step } = await loneHostWithGroup(new KvStateMachine(), {
    storage,
    metrics: before,
  });
  // Past the test config's 50 entries between snapshots.
  for (let k = 0; k < 60; k++) {
    const put = settle(host.propose(G1, kvCommand({ op: "put", key: `k${k}`, value: "v" })));
    while (!put.done) await step();
  }
  const taken = snapshotBytes(before);
  expect(taken).toBeGreaterThan(0);
  host.stop();

  const after = new MetricsRegistry();
  const restarted = loneHost({ storage, metrics: after }).host;
  await restarted.restoreGroups(() => new KvStateMachine());
  expect(snapshotBytes(after)).toBe(taken);
  restarted.stop();
});
