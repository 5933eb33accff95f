// A leader whose log contradicts an entry this node committed (a majority lost writes it had
// synced, raft/lost-commit.ts): the host drops its messages for that group and says so in an
// error line, and goes on: the group keeps its log, other groups are served. Unless its
// lostCommitStop gives an error for that group: then the host stops with it.

import { expect, test } from "bun:test";
import {
  createLogger,
  type GroupId,
  groupId,
  logIndex,
  type NodeId,
  nodeId,
  RaftoralError,
  term,
} from "../../src/lib/index.ts";
import type { RaftMessage } from "../../src/raft/index.ts";
import {
  flush,
  HEARTBEAT_2_TO_1,
  type LoneHostOptions,
  loneHost,
  raftBatch,
} from "../support/host-cluster.ts";
import { KvStateMachine } from "../support/kv-state-machine.ts";
import { TRUSTING_DIRECTORY } from "../support/trusting-directory.ts";

const GROUP = groupId(5);

/** Group 5 (voters 1-3) on node 1, then node 2 leading term 3 with another first entry. */
async function contradicted(options: LoneHostOptions = {}) {
  const lines: string[] = [];
  const fatal: Error[] = [];
  const { host, clock } = loneHost({
    logger: createLogger({ level: "warn", format: "text", write: (line) => lines.push(line) }),
    onFatal: (error) => fatal.push(error),
    ...options,
  });
  const turns = async () => {
    for (let k = 0; k < 4; k++) {
      clock.advance(0);
      await flush();
    }
  };
  const voters = [nodeId(1), nodeId(2), nodeId(3)];
  const created = host.createGroup(GROUP, { mode: "bootstrap", voters }, new KvStateMachine());
  await turns();
  await created;
  const before = host.inspect(GROUP)?.status();
  expect(before?.commit).toBeGreaterThanOrEqual(1);
  const append = {
    type: "AppendEntries",
    from: nodeId(2),
    to: nodeId(1),
    term: term(3),
    prevLogIndex: logIndex(0),
    prevLogTerm: term(0),
    entries: [{ index: logIndex(1), term: term(2), type: "normal", data: new Uint8Array(1) }],
    leaderCommit: logIndex(1),
  } as unknown as RaftMessage;
  host.receive({
    from: nodeId(2),
    to: nodeId(1),
    messages: [{ type: "raft", groupId: GROUP, message: append }],
  });
  await turns();
  return { host, lines, fatal, before, clock, turns };
}

test("messages from a leader without a committed entry are dropped with an error, not a stop", async () => {
  const { host, lines, fatal, before } = await contradicted();
  expect(fatal).toEqual([]);
  expect(lines.join("\n")).toContain("Group 5 takes nothing from its leader");
  expect(lines.join("\n")).toContain("the leader's log has entry 1 at term 2");
  const after = host.inspect(GROUP)?.status();
  expect(after?.lastIndex).toBe(before?.lastIndex as never);
  expect(after?.commit).toBe(before?.commit as never);
});

test("a group its lostCommitStop names stops the host with the error it gives", async () => {
  const stop = new RaftoralError("STALE_INCARNATION", "cannot follow group 5");
  const { fatal } = await contradicted({
    lostCommitStop: (id) => (id === GROUP ? stop : undefined),
  });
  expect(fatal).toEqual([stop]);
});

test("a removed node whose log contradicted this replica's is refused after, and cannot hold it", async () => {
  // Node 2, removed from the cluster, leads a copy of the group forced on it. Its first
  // append reached this replica while it heard no leader, so the replica took its term.
  const directory = {
    ...TRUSTING_DIRECTORY,
    isRemoved: (id: GroupId, node: NodeId) => id === GROUP && node === 2,
  };
  const { host, lines, clock, turns } = await contradicted({ directory });
  // Its heartbeats are refused from then on: they do not keep this replica following it, so
  // the replica's election timeout runs out and it campaigns, as the healthy group needs.
  for (let k = 0; k < 50 && host.inspect(GROUP)?.status().role === "follower"; k++) {
    host.receive(raftBatch(GROUP, HEARTBEAT_2_TO_1));
    clock.advance(100);
    await turns();
  }
  expect(host.inspect(GROUP)?.status().role).not.toBe("follower");
  expect(lines.join("\n")).toContain("a removed node's contradicting log");
  host.stop();
});
