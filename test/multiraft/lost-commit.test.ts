// A leader whose log contradicts an entry this node committed (a majority lost writes it had
// synced, raft/lost-commit.ts): the host drops its messages for that group and says so in an
// error line, and goes on: no fatal stop, the group keeps its log, other groups are served.

import { expect, test } from "bun:test";
import { createLogger, groupId, logIndex, nodeId, term } from "../../src/lib/index.ts";
import type { RaftMessage } from "../../src/raft/index.ts";
import { flush, loneHost } from "../support/host-cluster.ts";
import { KvStateMachine } from "../support/kv-state-machine.ts";

test("messages from a leader without a committed entry are dropped with an error, not a stop", async () => {
  const lines: string[] = [];
  const fatal: Error[] = [];
  const { host, clock } = loneHost({
    logger: createLogger({ level: "warn", format: "text", write: (line) => lines.push(line) }),
    onFatal: (error) => fatal.push(error),
  });
  const turns = async () => {
    for (let k = 0; k < 4; k++) {
      clock.advance(0);
      await flush();
    }
  };
  const GROUP = groupId(5);
  const created = host.createGroup(
    GROUP,
    { mode: "bootstrap", voters: [nodeId(1), nodeId(2), nodeId(3)] },
    new KvStateMachine(),
  );
  await turns();
  await created;
  const before = host.inspect(GROUP)?.status();
  expect(before?.commit).toBeGreaterThanOrEqual(1);
  // Node 2 leads term 3 with another entry where node 1 committed its first one.
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
  expect(fatal).toEqual([]);
  expect(lines.join("\n")).toContain("Group 5 takes nothing from its leader");
  expect(lines.join("\n")).toContain("the leader's log has entry 1 at term 2");
  const after = host.inspect(GROUP)?.status();
  expect(after?.lastIndex).toBe(before?.lastIndex as never);
  expect(after?.commit).toBe(before?.commit as never);
});
