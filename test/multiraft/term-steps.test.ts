// Forged terms cannot wedge a group (multiraft/term-reach.ts). A sender that a group hears
// (a member's id, on a cluster without a secret or with the secret) moves each replica's term
// up in steps of 2^32 from its own, as a security tour did to a 3-node cluster: 2, 4 and 6
// messages, each one step above the last. When the bound was relative to each replica's own term, every
// replica was then more than a step from the others, refused all their messages for good,
// and no leader was ever elected again. With the bound all nodes share, the group elects a
// leader again once the messages stop, and commits.

import { describe, expect, test } from "bun:test";
import { groupId, type NodeId, nodeId, term } from "../../src/lib/index.ts";
import { termReach } from "../../src/multiraft/term-reach.ts";
import type { RaftMessage } from "../../src/raft/index.ts";
import { clusterWithGroups, raftBatch, settle } from "../support/host-cluster.ts";
import { kvCommand } from "../support/kv-state-machine.ts";

const GROUP = groupId(1);
const STEP = 2 ** 32;

/** A heartbeat's answer from `from` to `to` at `at`: a replica that gets it takes the term. */
function answerAt(from: NodeId, to: NodeId, at: number): RaftMessage {
  return {
    type: "HeartbeatResponse",
    from,
    to,
    term: term(at),
    incarnation: 0,
    readContext: "",
  };
}

describe("terms stepped up by forged messages", () => {
  test("a group whose replicas were moved steps apart elects a leader again and commits", async () => {
    const cluster = await clusterWithGroups([GROUP]);
    const termOf = (id: number) =>
      cluster.hosts.get(nodeId(id))?.host.inspect(GROUP)?.status()?.term ?? 0;
    let highest = 0;
    for (const [target, messages] of [
      [1, 2],
      [2, 4],
      [3, 6],
    ] as const) {
      const to = nodeId(target);
      const from = nodeId(target === 1 ? 2 : 1);
      const own = termOf(target);
      for (let k = 1; k <= messages; k++) {
        cluster.hosts.get(to)?.host.receive(raftBatch(GROUP, answerAt(from, to, own + k * STEP)));
      }
      highest = Math.max(highest, own + messages * STEP);
      await cluster.advance(5);
    }
    await cluster.until(() => cluster.leaderOf(GROUP) !== undefined, 30_000);
    const leader = cluster.leaderOf(GROUP);
    // The group went past the highest term sent: the replica that took it was heard.
    expect(termOf(leader?.id ?? 0)).toBeGreaterThan(highest);
    const outcome = settle(
      leader?.host.propose(GROUP, kvCommand({ op: "put", key: "after", value: "steps" })) ??
        Promise.reject(new Error("no leader")),
    );
    await cluster.until(() => outcome.done);
    expect(outcome.error).toBeUndefined();
    await cluster.until(() =>
      [1, 2, 3].every((id) => cluster.machineFor(id, GROUP).data.get("after") === "steps"),
    );
  });

  test("a term past the reach all nodes share is refused, and taken once the clock reaches it", async () => {
    const cluster = await clusterWithGroups([GROUP]);
    const host = cluster.hosts.get(nodeId(1))?.host;
    const status = () => host?.inspect(GROUP)?.status();
    const beyond = termReach(cluster.clock.wallMs()) + 1_000;
    host?.receive(raftBatch(GROUP, answerAt(nodeId(2), nodeId(1), beyond)));
    await cluster.advance(2);
    expect(status()?.term).toBeLessThan(beyond);
    // 1,000 terms are 8 ms of the clock's growth.
    await cluster.advance(10);
    host?.receive(raftBatch(GROUP, answerAt(nodeId(2), nodeId(1), beyond)));
    await cluster.advance(2);
    expect(status()?.term).toBeGreaterThanOrEqual(beyond);
  });
});
