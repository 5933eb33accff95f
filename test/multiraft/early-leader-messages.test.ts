// A leader's heartbeat or empty append that reaches a node just before it hosts the group (a
// restart that brings its execution groups back after the storage check-in, a join placed a
// moment later): the group, once hosted, steps it and knows its leader at once instead of a
// heartbeat interval later, and a new learner answers the leader's probe so that it is sent
// the log at once. Only recent ones are delivered; other messages are not kept.

import { expect, test } from "bun:test";
import { groupId, logIndex, nodeId, term, type VirtualClock } from "../../src/lib/index.ts";
import type { MultiRaftHost } from "../../src/multiraft/index.ts";
import type { RaftMessage } from "../../src/raft/index.ts";
import {
  flush,
  HEARTBEAT_2_TO_1,
  joinReplica,
  loneHost,
  raftBatch,
} from "../support/host-cluster.ts";

const G = groupId(7);

function startedHost() {
  const sent: RaftMessage[] = [];
  const { host, clock } = loneHost({
    peers: {
      send: (_peer, messages) => {
        for (const message of messages) if (message.type === "raft") sent.push(message.message);
      },
    },
  });
  return { clock, host, sent };
}

async function leaderAfterJoin(host: MultiRaftHost, clock: VirtualClock) {
  await joinReplica(host, clock, G);
  return host.inspect(G)?.status().leaderId;
}

test("a heartbeat that came before the group was hosted tells it its leader", async () => {
  const { clock, host } = startedHost();
  host.receive(raftBatch(G, HEARTBEAT_2_TO_1));
  clock.advance(1);
  await flush();
  expect(await leaderAfterJoin(host, clock)).toBe(nodeId(2));
  host.stop();
});

test("an old heartbeat is not delivered", async () => {
  const { clock, host } = startedHost();
  host.receive(raftBatch(G, HEARTBEAT_2_TO_1));
  clock.advance(1);
  await flush();
  clock.advance(5_000);
  expect(await leaderAfterJoin(host, clock)).toBe(nodeId(0));
  host.stop();
});

/** The leader's probe of a new learner: an append without entries after the leader's last index. */
const emptyAppend: RaftMessage = {
  type: "AppendEntries",
  from: nodeId(2),
  to: nodeId(1),
  term: term(3),
  prevLogIndex: logIndex(5),
  prevLogTerm: term(3),
  entries: [],
  leaderCommit: logIndex(5),
};

test("an empty append that came before the group was hosted is answered once it is", async () => {
  const { clock, host, sent } = startedHost();
  host.receive(raftBatch(G, emptyAppend));
  clock.advance(1);
  await flush();
  expect(await leaderAfterJoin(host, clock)).toBe(nodeId(2));
  // The empty replica cannot match index 5: its rejection tells the leader where to start.
  const answers = sent.filter((message) => message.type === "AppendEntriesResponse");
  expect(answers.map((answer) => [answer.to, answer.success])).toEqual([[nodeId(2), false]]);
  host.stop();
});

test("an append with entries is not kept", async () => {
  const { clock, host, sent } = startedHost();
  const withEntries: RaftMessage = {
    ...emptyAppend,
    prevLogIndex: logIndex(0),
    prevLogTerm: term(0),
    entries: [{ index: logIndex(1), term: term(3), type: "normal", data: new Uint8Array(4) }],
  };
  host.receive(raftBatch(G, withEntries));
  clock.advance(1);
  await flush();
  expect(await leaderAfterJoin(host, clock)).toBe(nodeId(0));
  expect(sent.filter((message) => message.type === "AppendEntriesResponse")).toEqual([]);
  host.stop();
});

test("an early vote request is dropped as before", async () => {
  const { clock, host } = startedHost();
  const vote: RaftMessage = {
    type: "RequestVote",
    from: nodeId(2),
    to: nodeId(1),
    term: term(3),
    lastLogIndex: logIndex(0),
    lastLogTerm: term(0),
    isLeaderTransfer: false,
  };
  host.receive(raftBatch(G, vote));
  clock.advance(1);
  await flush();
  await joinReplica(host, clock, G);
  expect(host.inspect(G)?.status().term).toBe(term(0));
  host.stop();
});
