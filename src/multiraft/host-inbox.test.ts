// The inbox refuses peers' batches past its budget (messages and bytes) with
// RESOURCE_EXHAUSTED, takes them again once the loop drained it, and never refuses a lone batch.

import { describe, expect, test } from "bun:test";
import { groupId, nodeId, RaftoralError, term } from "../lib/index.ts";
import { batchBytes, type PeerBatch } from "../transport/index.ts";
import { HostInbox } from "./host-inbox.ts";

function forwardBatch(payloadBytes: number, messages = 1): PeerBatch {
  return {
    from: nodeId(2),
    to: nodeId(1),
    messages: Array.from({ length: messages }, (_, k) => ({
      type: "forward" as const,
      groupId: groupId(1),
      requestId: k,
      entryType: "normal" as const,
      data: new Uint8Array(payloadBytes),
    })),
  };
}

function refusalOf(action: () => void): RaftoralError {
  try {
    action();
  } catch (error) {
    if (error instanceof RaftoralError) return error;
    throw error;
  }
  throw new Error("the inbox took the batch");
}

describe("HostInbox", () => {
  test("counts a batch by its payloads", () => {
    const entries = [1, 2].map((index) => ({
      term: term(1),
      index: index as never,
      type: "normal" as const,
      data: new Uint8Array(1_000),
    }));
    const append: PeerBatch = {
      from: nodeId(2),
      to: nodeId(1),
      messages: [
        {
          type: "raft",
          groupId: groupId(1),
          message: {
            type: "AppendEntries",
            from: nodeId(2),
            to: nodeId(1),
            term: term(1),
            prevLogIndex: 0 as never,
            prevLogTerm: term(0),
            entries,
            leaderCommit: 0 as never,
          } as never,
        },
      ],
    };
    expect(batchBytes(append)).toBeGreaterThanOrEqual(2_000);
    expect(batchBytes(forwardBatch(10))).toBeLessThan(200);
  });

  test("refuses past its byte budget, naming the sender, and takes again once drained", () => {
    const inbox = new HostInbox({ messagesMax: 1_000, bytesMax: 10_000 });
    inbox.pushBatch(forwardBatch(6_000));
    const refusal = refusalOf(() => inbox.pushBatch(forwardBatch(6_000)));
    expect(refusal.code).toBe("RESOURCE_EXHAUSTED");
    expect(refusal.message).toContain("node 2 should retry later");
    expect(inbox.length).toBe(1);
    expect(inbox.take(10)).toHaveLength(1);
    inbox.pushBatch(forwardBatch(6_000));
    expect(inbox.length).toBe(1);
  });

  test("a turn takes peers' batches up to its byte budget, the first whatever its size", () => {
    const inbox = new HostInbox();
    inbox.pushBatch(forwardBatch(6_000));
    inbox.push({ type: "campaign", groupId: groupId(1) });
    inbox.pushBatch(forwardBatch(3_000));
    inbox.pushBatch(forwardBatch(6_000));
    // 6,000 and 3,000 bytes of batches fit 10,000; the event of this node's own is not counted.
    expect(inbox.take(100, 10_000).map((event) => event.type)).toEqual([
      "batch",
      "campaign",
      "batch",
    ]);
    expect(inbox.length).toBe(1);
    inbox.pushBatch(forwardBatch(20_000));
    expect(inbox.take(100, 10_000)).toHaveLength(1);
    expect(inbox.take(100, 10_000)).toHaveLength(1);
    expect(inbox.length).toBe(0);
  });

  test("refuses past its message budget", () => {
    const inbox = new HostInbox({ messagesMax: 10, bytesMax: 1_000_000 });
    inbox.pushBatch(forwardBatch(1, 8));
    expect(refusalOf(() => inbox.pushBatch(forwardBatch(1, 3))).code).toBe("RESOURCE_EXHAUSTED");
    inbox.pushBatch(forwardBatch(1, 2));
  });

  test("an empty inbox takes one batch larger than its whole budget", () => {
    const inbox = new HostInbox({ messagesMax: 10, bytesMax: 1_000 });
    inbox.pushBatch(forwardBatch(50_000));
    expect(refusalOf(() => inbox.pushBatch(forwardBatch(1))).code).toBe("RESOURCE_EXHAUSTED");
    inbox.takeAll();
    inbox.pushBatch(forwardBatch(1));
  });

  test("this node's own events are never refused and cost no budget", () => {
    const inbox = new HostInbox({ messagesMax: 1, bytesMax: 100 });
    for (let k = 0; k < 100; k++) inbox.push({ type: "campaign", groupId: groupId(1) });
    inbox.pushBatch(forwardBatch(1));
    expect(inbox.length).toBe(101);
  });
});
