// A message for a group this node does not host: one rate-limited log line and an
// UnknownGroup reply to the sender, never a crash.

import { expect, test } from "bun:test";
import { createLogger, groupId, type NodeId, nodeId, term } from "../../src/lib/index.ts";
import type { PeerMessage } from "../../src/transport/index.ts";
import { flush, loneHost } from "../support/host-cluster.ts";

function hostWithLog() {
  const lines: string[] = [];
  const sent: { peer: NodeId; messages: readonly PeerMessage[] }[] = [];
  const { host, clock } = loneHost({
    peers: { send: (peer, messages) => sent.push({ peer, messages }) },
    logger: createLogger({ level: "warn", format: "text", write: (line) => lines.push(line) }),
  });
  return { clock, lines, sent, host };
}

function heartbeatFor(group: number, from = 2) {
  return {
    type: "raft" as const,
    groupId: groupId(group),
    message: {
      type: "Heartbeat" as const,
      from: nodeId(from),
      to: nodeId(1),
      term: term(3),
      leaderCommit: 0 as never,
      readContext: "",
    },
  };
}

test("messages for an unknown group that keep coming get replies and one warning per interval", async () => {
  const { clock, lines, sent, host } = hostWithLog();
  const heartbeat = heartbeatFor(99);
  // A heartbeat every 200 ms for 4 s: past the 2 s a join may take, within one interval.
  for (let k = 0; k <= 20; k++) {
    host.receive({ from: nodeId(2), to: nodeId(1), messages: [heartbeat] });
    clock.advance(200);
    await flush();
  }
  expect(sent.length).toBeGreaterThanOrEqual(1);
  expect(sent.every((batch) => batch.peer === 2)).toBe(true);
  expect(sent.flatMap((batch) => batch.messages)).toContainEqual({
    type: "unknownGroup",
    groupId: groupId(99),
  });
  const warnings = lines.filter((line) => line.includes("does not host"));
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain("group: 99");
  host.stop();
});

test("a moment of messages for a group not yet hosted (a join) is answered, not warned about", async () => {
  const { clock, lines, sent, host } = hostWithLog();
  // Twice: each burst lasts 1 s, and the second comes after a pause longer than the grace.
  for (const burst of [0, 1]) {
    for (let k = 0; k < 5; k++) {
      host.receive({ from: nodeId(2), to: nodeId(1), messages: [heartbeatFor(7)] });
      clock.advance(200);
      await flush();
    }
    if (burst === 0) clock.advance(3_000);
  }
  expect(sent.flatMap((batch) => batch.messages)).toContainEqual({
    type: "unknownGroup",
    groupId: groupId(7),
  });
  expect(lines.filter((line) => line.includes("does not host"))).toEqual([]);
  host.stop();
});

test("made-up senders and groups leave no trace: no line for a moment's traffic, no liveness record", async () => {
  const { clock, lines, host } = hostWithLog();
  for (let k = 0; k < 1_000; k++) {
    const from = 1_000 + k;
    host.receive({ from: nodeId(from), to: nodeId(1), messages: [heartbeatFor(5_000 + k, from)] });
  }
  clock.advance(1);
  await flush();
  expect(lines.filter((line) => line.includes("does not host"))).toEqual([]);
  expect(host.hearing.lastHeardMs(nodeId(1_000))).toBeUndefined();
  // Traffic for one group that keeps coming gets its line, which says how many it stood for.
  for (let k = 0; k <= 12; k++) {
    host.receive({ from: nodeId(2), to: nodeId(1), messages: [heartbeatFor(7)] });
    clock.advance(200);
    await flush();
  }
  const warnings = lines.filter((line) => line.includes("does not host"));
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain("group: 7");
  expect(warnings[0]).toContain("ignored_total: 1011");
  host.stop();
});
