// A leader whose log contradicts an entry this node committed (a majority lost writes it had
// synced, raft/lost-commit.ts): the host drops its messages for that group and says so in an
// error line, and goes on: the group keeps its log, other groups are served. Unless its
// lostCommitStop gives an error for that group: then the host stops with it.

import { expect, test } from "bun:test";
import {
  createLogger,
  groupId,
  logIndex,
  nodeId,
  RaftoralError,
  term,
} from "../../src/lib/index.ts";
import type { MultiRaftHostOptions } from "../../src/multiraft/index.ts";
import type { RaftMessage } from "../../src/raft/index.ts";
import { flush, loneHost } from "../support/host-cluster.ts";
import { KvStateMachine } from "../support/kv-state-machine.ts";

const GROUP = groupId(5);

/** Group 5 (voters 1-3) on node 1, then node 2 leading term 3 with another first entry. */
async function contradicted(options: Partial<MultiRaftHostOptions> = {}) {
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
  return { host, lines: lines.join("\n"), fatal, before };
}

test("messages from a leader without a committed entry are dropped with an error, not a stop", async () => {
  const { host, lines, fatal, before } = await contradicted();
  expect(fatal).toEqual([]);
  expect(lines).toContain("Group 5 takes nothing from its leader");
  expect(lines).toContain("the leader's log has entry 1 at term 2");
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
