// A peer that only asks for votes runs, and reaches this node, but may hear nobody: its
// incoming traffic lost, it stops hearing its leaders and campaigns. Failure detection counts
// it alive only from a message that shows it hears its peers (an answer, a leader's heartbeat);
// the leaderless report's "reachable" takes any message of it.

import { expect, test } from "bun:test";
import { groupId, logIndex, nodeId, term } from "../../src/lib/index.ts";
import { HEARTBEAT_2_TO_1, loneHostWithGroup, raftBatch } from "../support/host-cluster.ts";
import { KvStateMachine } from "../support/kv-state-machine.ts";

const G = groupId(1);

test("vote requests show that a peer runs, not that it hears its peers; a heartbeat shows both", async () => {
  const { host, step } = await loneHostWithGroup(new KvStateMachine(), {
    voters: [nodeId(1), nodeId(2), nodeId(3)],
  });
  const preVote = {
    type: "RequestPreVote",
    from: nodeId(2),
    to: nodeId(1),
    term: term(5),
    lastLogIndex: logIndex(0),
    lastLogTerm: term(0),
    isLeaderTransfer: false,
  } as const;
  host.receive(raftBatch(G, preVote));
  await step();
  expect(host.hearing.lastHeardMs(nodeId(2))).toBeDefined();
  expect(host.hearing.lastTakingPartMs(nodeId(2))).toBeUndefined();

  host.receive(raftBatch(G, HEARTBEAT_2_TO_1));
  await step();
  expect(host.hearing.lastTakingPartMs(nodeId(2))).toBe(host.hearing.lastHeardMs(nodeId(2)));
  expect(host.hearing.lastTakingPartMs(nodeId(2))).toBeDefined();
  host.stop();
});
