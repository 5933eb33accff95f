// The gateway refuses what Raft must never see: peers that are no node, a node talking to
// itself, terms and indexes past exact arithmetic, and term 0 outside forwarded requests.
// Whether a term is within reach is the receiving group's call (multiraft/batch-router.ts).

import { describe, expect, test } from "bun:test";
import { parsePeerBatch, WireFormatError } from "./wire-parse.ts";

const noBytes = (value: unknown) => value as Uint8Array;

function batch(message: Record<string, unknown>, envelope = { from: 2, to: 1 }) {
  return { ...envelope, messages: [{ type: "raft", groupId: 0, message }] };
}

const heartbeat = { type: "Heartbeat", from: 2, to: 1, term: 3, leaderCommit: 4, readContext: "" };

function refusal(value: unknown): string {
  try {
    parsePeerBatch(value, noBytes);
  } catch (error) {
    expect(error).toBeInstanceOf(WireFormatError);
    return (error as Error).message;
  }
  throw new Error("accepted");
}

describe("parsePeerBatch refuses", () => {
  test("a sender or recipient 0, in the batch or the message", () => {
    expect(refusal(batch(heartbeat, { from: 0, to: 1 }))).toContain("batch.from must be a node id");
    expect(refusal(batch({ ...heartbeat, from: 0 }))).toContain(".from must be a node id");
    expect(refusal(batch({ ...heartbeat, to: 0 }))).toContain(".to must be a node id");
  });

  test("a node sending to itself", () => {
    expect(refusal(batch(heartbeat, { from: 1, to: 1 }))).toContain(
      "batch.to must not be the sender",
    );
    expect(refusal(batch({ ...heartbeat, from: 1 }))).toContain("must not be the sender");
  });

  test("indexes past 2^52, and message terms past exact integers", () => {
    expect(refusal(batch({ ...heartbeat, term: 2 ** 53 }))).toContain(
      "term must be an integer from 0 to",
    );
    expect(refusal(batch({ ...heartbeat, leaderCommit: 2 ** 53 - 1 }))).toContain("at most 2^52");
  });

  test("no message term that is an exact integer: the receiving group judges it alone", () => {
    const parsed = parsePeerBatch(batch({ ...heartbeat, term: 2 ** 52 + 1 }), noBytes);
    expect(parsed.messages).toHaveLength(1);
  });

  test("term 0 except in forwarded reads and transfers", () => {
    expect(refusal(batch({ ...heartbeat, term: 0 }))).toContain(
      "term must be 1 or more in a Heartbeat",
    );
    const read = { type: "ReadIndex", from: 2, to: 1, term: 0, context: "r" };
    expect(parsePeerBatch(batch(read), noBytes).messages).toHaveLength(1);
    const transfer = { type: "TransferLeader", from: 2, to: 1, term: 0, transferee: 0 };
    expect(refusal(batch(transfer))).toContain("transferee must be a node id");
  });
});

describe("parsePeerBatch keeps", () => {
  const append = {
    type: "AppendEntries",
    from: 2,
    to: 1,
    term: 3,
    prevLogIndex: 4,
    prevLogTerm: 3,
    entries: [],
    leaderCommit: 4,
  };
  const parsed = (message: Record<string, unknown>) =>
    parsePeerBatch(batch(message), noBytes).messages[0];

  test("the commitOnly mark of an append, and leaves it out where the sender did", () => {
    expect(parsed({ ...append, commitOnly: true })).toMatchObject({
      message: { commitOnly: true },
    });
    const unmarked = parsed(append);
    expect(unmarked?.type === "raft" && "commitOnly" in unmarked.message).toBe(false);
  });

  test("the isWholeCommit mark of a heartbeat, and leaves it out where the sender did", () => {
    const heartbeat = {
      type: "Heartbeat",
      from: 2,
      to: 1,
      term: 3,
      leaderCommit: 4,
      readContext: "",
    };
    expect(parsed({ ...heartbeat, isWholeCommit: true })).toMatchObject({
      message: { isWholeCommit: true, leaderCommit: 4 },
    });
    const unmarked = parsed(heartbeat);
    expect(unmarked?.type === "raft" && "isWholeCommit" in unmarked.message).toBe(false);
  });

  test("the leader's tick of a heartbeat and its answer, and leaves it out where absent", () => {
    const answer = { type: "HeartbeatResponse", from: 2, to: 1, term: 3, incarnation: 0 };
    for (const message of [heartbeat, { ...answer, readContext: "" }]) {
      expect(parsed({ ...message, leaderTick: 12 })).toMatchObject({ message: { leaderTick: 12 } });
      const unmarked = parsed(message);
      expect(unmarked?.type === "raft" && "leaderTick" in unmarked.message).toBe(false);
      expect(refusal(batch({ ...message, leaderTick: "12" }))).toContain(".leaderTick must be");
    }
  });
});
