// A command sent once and refused when sent again (the leader's uncommitted bytes are full) may
// still be in that leader's log: its outcome is unknown, and the proposer must hear TIMEOUT, not
// RESOURCE_EXHAUSTED, which every retry loop (proposer.ts) takes for "not applied". The
// caller-chosen-id protocol gives up a starter's part of a claim on a later refusal for a limit,
// unless an earlier attempt was in doubt (proposeKeepingDoubt tracks TIMEOUT only).

import { expect, test } from "bun:test";
import { groupId } from "../../src/lib/index.ts";
import { clusterWithGroups, settle, TEST_HOST_CONFIG } from "../support/host-cluster.ts";
import { kvCommand } from "../support/kv-state-machine.ts";

const G1 = groupId(1);
const RESEND_INTERVAL_MS =
  2 * TEST_HOST_CONFIG.raft.electionTicks * TEST_HOST_CONFIG.tickIntervalMs;

test("a command refused on its resend, whose first send is in the leader's log, is in doubt", async () => {
  const value = "v".repeat(200);
  // Room for one copy of the command, not two.
  const config = {
    ...TEST_HOST_CONFIG,
    raft: { ...TEST_HOST_CONFIG.raft, checkQuorum: false, uncommittedBytesMax: 400 },
  };
  const cluster = await clusterWithGroups([G1], { config, size: 5 });
  const leader = cluster.leaderOf(G1);
  if (leader === undefined) throw new Error("no leader");
  await cluster.advance(RESEND_INTERVAL_MS);
  const followers = [...cluster.hosts.values()].filter((h) => h.id !== leader.id);
  const [first, ...silent] = followers;
  if (first === undefined) throw new Error("no follower");
  const { network } = cluster;
  // The leader cannot commit: the proposing follower never gets its appends (so it cannot see
  // its command reached the log), and the other three hear nothing.
  const proposing = cluster.address(first.id);
  network.faults.isMessageLost = (_from, to, message) =>
    to === proposing && message.type === "raft" && message.message.type === "AppendEntries";
  for (const host of silent) network.pause(cluster.address(host.id));
  const outcome = settle(first.host.propose(G1, kvCommand({ op: "put", key: "k", value })));
  await cluster.advance(3 * RESEND_INTERVAL_MS);
  // Refused on a resend: the leader's uncommitted bytes hold the first copy.
  expect(outcome.done).toBe(true);
  const refusal = outcome.error as { code?: string } | undefined;
  network.faults.isMessageLost = undefined;
  for (const host of silent) network.resume(cluster.address(host.id));
  await cluster.until(() => cluster.machineFor(first.id, G1).data.get("k") === value);
  // The command was applied after all: its proposer must not have been told otherwise.
  expect(refusal?.code).toBe("TIMEOUT");
});
