import { describe, expect, test } from "bun:test";
import { concatBytes, createLogger, groupId, nodeId, seededRandom } from "../lib/index.ts";
import { bootstrapState, DEFAULT_RAFT_CONFIG, RawNode } from "../raft/index.ts";
import { decodeEnvelope, encodeEnvelope } from "./command-envelope.ts";
import { DedupeTable } from "./dedupe-table.ts";
import { decodeGroupSnapshot, encodeGroupSnapshot } from "./group-snapshot.ts";
import { HostedGroup } from "./hosted-group.ts";
import type { AppliedOutcome } from "./pending.ts";

const N1 = nodeId(1);

describe("dedupe table", () => {
  test("a proposal id is admitted once per origin incarnation", () => {
    const table = new DedupeTable();
    expect(table.admit(N1, 7, 1, 1)).toBe(true);
    expect(table.admit(N1, 7, 1, 1)).toBe(false);
    expect(table.admit(N1, 8, 1, 1)).toBe(true);
    expect(table.admit(nodeId(2), 7, 1, 1)).toBe(true);
  });

  test("ids below the origin's floor are stale and skipped", () => {
    const table = new DedupeTable();
    expect(table.admit(N1, 7, 5, 5)).toBe(true);
    // The origin gave up on everything below 9: a late copy of id 6 must not apply.
    expect(table.admit(N1, 7, 9, 9)).toBe(true);
    expect(table.admit(N1, 7, 6, 5)).toBe(false);
    expect(table.admit(N1, 7, 10, 9)).toBe(true);
  });

  test("a snapshot holds only the applied ids at or above the floor", () => {
    const table = new DedupeTable();
    for (let id = 1; id <= 10; id++) expect(table.admit(N1, 7, id, 1)).toBe(true);
    expect(table.admit(N1, 7, 11, 8)).toBe(true);
    expect(table.toJson().origins).toEqual([[1, 7, 8, [8, 9, 10, 11]]]);
    expect(table.admit(N1, 7, 5, 1)).toBe(false);
  });

  test("a long run with the floor trailing refuses every copy, old or recent", () => {
    const table = new DedupeTable();
    const window = 100;
    for (let id = 1; id <= 10_000; id++) {
      expect(table.admit(N1, 7, id, Math.max(1, id - window))).toBe(true);
    }
    for (let id = 1; id <= 10_000; id += 37) expect(table.admit(N1, 7, id, 1)).toBe(false);
    const [[, , floor, applied] = []] = table.toJson().origins;
    expect(floor).toBe(10_000 - window);
    expect(applied).toHaveLength(window + 1);
  });

  test("old incarnations of a node are forgotten after a few restarts", () => {
    const table = new DedupeTable();
    for (let incarnation = 1; incarnation <= 6; incarnation++) {
      table.admit(N1, incarnation, 1, 1);
      table.admit(nodeId(2), incarnation, 1, 1);
    }
    const kept = table.toJson().origins.map(([node, incarnation]) => `${node}:${incarnation}`);
    expect(kept).toEqual(["1:3", "1:4", "1:5", "1:6", "2:3", "2:4", "2:5", "2:6"]);
  });

  test("survives a snapshot round trip with the state machine's bytes", () => {
    const table = new DedupeTable();
    table.admit(N1, 7, 3, 2);
    const state = new Uint8Array([1, 2, 3]);
    const decoded = decodeGroupSnapshot(
      encodeGroupSnapshot(table, { snapshotAfter: (prefix) => concatBytes(prefix, state) }),
    );
    expect([...decoded.state]).toEqual([1, 2, 3]);
    expect(decoded.table.admit(N1, 7, 3, 2)).toBe(false);
    expect(decoded.table.admit(N1, 7, 4, 2)).toBe(true);
  });
});

test("an envelope round-trips and anything else is not one", () => {
  const command = new TextEncoder().encode("hello");
  const envelope = {
    origin: N1,
    incarnation: 4_000_000_000,
    proposalId: 2 ** 40,
    floor: 9,
    command,
  };
  const decoded = decodeEnvelope(encodeEnvelope(envelope));
  expect(decoded?.origin).toBe(N1);
  expect(decoded?.incarnation).toBe(4_000_000_000);
  expect(decoded?.proposalId).toBe(2 ** 40);
  expect(new TextDecoder().decode(decoded?.command)).toBe("hello");
  expect(decodeEnvelope(new Uint8Array([1, 2, 3]))).toBeUndefined();
});

test("a command that reaches the log twice is applied once and settles once", () => {
  const raw = new RawNode({
    config: { ...DEFAULT_RAFT_CONFIG, id: N1 },
    random: seededRandom(1),
    initial: bootstrapState([N1]),
  });
  const applied: string[] = [];
  const settled: AppliedOutcome[] = [];
  const group = new HostedGroup({
    id: groupId(1),
    raw,
    snapshotLimits: {
      snapshotEntries: 1_000,
      snapshotBytes: 1 << 20,
      compactionMarginEntries: 10,
      compactionMarginBytes: 1 << 16,
    },
    stateMachine: {
      apply: (command) => {
        applied.push(new TextDecoder().decode(command));
        return applied.length;
      },
      snapshotAfter: (prefix) => prefix,
      restore: () => undefined,
    },
    lastSnapshot: { index: 0 as never, bytes: 0 },
    logger: createLogger({ level: "error", format: "text", write: () => undefined }),
    recentAppliedMax: 10,
    origin: { nodeId: N1, incarnation: 7, onApplied: (_id, outcome) => settled.push(outcome) },
  });
  const drain = () => {
    while (raw.hasReady()) {
      const ready = raw.ready();
      group.apply(ready);
      raw.advance(ready);
      group.afterAdvance(ready);
    }
  };
  drain();
  raw.campaign();
  drain();
  const data = encodeEnvelope({
    origin: N1,
    incarnation: 7,
    proposalId: 1,
    floor: 1,
    command: new TextEncoder().encode("once"),
  });
  expect(raw.propose(data).accepted).toBe(true);
  expect(raw.propose(data).accepted).toBe(true);
  drain();
  expect(applied).toEqual(["once"]);
  expect(settled.map((outcome) => outcome.isDuplicate)).toEqual([false, true]);
  expect(settled[0]?.result).toBe(1);
});
