// The peer series a scrape shows: one per node of the cluster now, not for this node itself
// and not for a node removed since (its series would read 0 for ever).

import { expect, test } from "bun:test";
import { groupId, MetricsRegistry, nodeId } from "../lib/index.ts";
import { EMPTY_CONF_STATE, type RaftStatus } from "../raft/index.ts";
import { collectNodeMetrics } from "./node-metrics.ts";

type Parts = Parameters<typeof collectNodeMetrics>[1];

/** A node's metrics over a management group of `voters`; `members` changes the group. */
function nodeOf(voters: readonly number[]) {
  const cluster = { members: voters };
  const registry = new MetricsRegistry();
  const status = () =>
    ({
      term: 2,
      commit: 5,
      applied: 5,
      leaderId: nodeId(1),
      role: "leader",
      confState: { ...EMPTY_CONF_STATE, voters: cluster.members.map(nodeId) },
    }) as unknown as RaftStatus;
  const parts = {
    host: {
      groupIds: () => [groupId(0)],
      inspect: () => ({ status, unappliedCommits: () => 0 }),
    },
    // The senders keep every node they were ever given an address for.
    senders: {
      perPeer: () =>
        [2, 3].map((peer) => ({
          peer,
          queued: 0,
          isStreaming: true,
          sentMessages: 7,
          sentBytes: 70,
          droppedMessages: 0,
          failedDeliveries: 0,
        })),
    },
    execution: {
      runningCount: () => 0,
      runningBytes: () => 0,
      suspendedCounts: () => ({ sleeping: 0, waiting: 0 }),
    },
  } as unknown as Parts;
  collectNodeMetrics(registry, parts);
  const peersScraped = () =>
    registry
      .render()
      .split("\n")
      .filter((line) => line.startsWith("raftoral_peer_sent_messages_total{"))
      .map((line) => /peer="(\d+)"/.exec(line)?.[1] ?? "?");
  return { cluster, peersScraped };
}

test("a scrape shows the peers of the cluster now, and a removed one no more", () => {
  const { cluster, peersScraped } = nodeOf([1, 2, 3]);
  expect(peersScraped()).toEqual(["2", "3"]);
  cluster.members = [1, 2];
  expect(peersScraped()).toEqual(["2"]);
});
