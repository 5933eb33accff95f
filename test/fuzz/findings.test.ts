// Regression tests for what the fuzzer found (docs/testing.md lists them). Each sends the
// smallest input that showed the problem to in-process nodes over HTTP and states what must
// hold instead. F1-F7 were fixed in cfa7fb0 and F8 in 9b8f2dc; they guard against a relapse.

import { afterEach, describe, expect, test } from "bun:test";
import { groupId } from "../../src/lib/index.ts";
import { FindingCluster, type FindingNode } from "./finding-cluster.ts";
import { raftTemplate } from "./peer-inputs.ts";

const MANAGEMENT = groupId(0);
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

let cluster = new FindingCluster();
afterEach(async () => {
  await cluster.stop();
  cluster = new FindingCluster();
});

/** A batch to node `to` holding one Raft message of group 0: the fixture of `type`, changed. */
function batchOf(
  to: number,
  type: string,
  changes: { from: number } & Record<string, unknown>,
): unknown {
  const message = { ...raftTemplate(type), to, ...changes };
  return { from: changes.from, to, messages: [{ type: "raft", groupId: 0, message }] };
}

/** The node refuses the batch (400) or takes it (200): either is fine, a crash is not. */
function expectAnswered(status: number): void {
  expect([200, 400]).toContain(status);
}

/** After `member` took a batch: it has not stopped its host, and it still serves. */
async function expectStillServing(member: FindingNode): Promise<void> {
  // Proposals queue behind the batch: once this answers, the batch has been stepped.
  const answer = await cluster.pingPong(member);
  expect(cluster.fatalLines(member)).toEqual([]);
  expect(answer).toBe('"pong"');
}

async function singleNode(): Promise<FindingNode> {
  await cluster.start(1);
  return cluster.nodes[0] as FindingNode;
}

/** Heap in use after a full collection, in MiB. */
function heapMiB(): number {
  Bun.gc(true);
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

describe("fuzz findings", () => {
  test("F1: a Raft message 'from' node 0 does not stop the node (its reply has no recipient)", async () => {
    const node = await singleNode();
    const term = cluster.status(node, MANAGEMENT)?.term;
    expectAnswered(await cluster.post(node, batchOf(1, "RequestPreVote", { from: 0, term })));
    await expectStillServing(node);
  });

  test("F2: a Raft message 'from' the node itself does not stop it (its reply is to itself)", async () => {
    const node = await singleNode();
    const term = cluster.status(node, MANAGEMENT)?.term;
    expectAnswered(await cluster.post(node, batchOf(1, "RequestPreVote", { from: 1, term })));
    await expectStillServing(node);
  });

  test("F3: a term of 2^53 - 1 from an unknown node does not stop the node at its next election", async () => {
    const node = await singleNode();
    // Any higher term is adopted (§5.1); the next campaign computes term + 1 = 2^53.
    const batch = batchOf(1, "RequestVoteResponse", { from: 99, term: MAX_SAFE });
    expectAnswered(await cluster.post(node, batch));
    await cluster.pingPong(node);
    await cluster.until(
      "the node leads group 0 again, or stopped",
      () =>
        cluster.status(node, MANAGEMENT)?.role === "leader" || cluster.fatalLines(node).length > 0,
      10_000,
    );
    await expectStillServing(node);
  });

  test("F4: a term-0 (stale) AppendEntriesResponse is not taken as one of the current term", async () => {
    await cluster.start(3);
    const leader = cluster.leaderOf(MANAGEMENT);
    const leaderId = Number(leader.node.nodeId);
    const follower = cluster.nodes.find((member) => member !== leader) as FindingNode;
    // Taken as current, its index moves the follower's Progress to next = 2^53: logIndex() asserts.
    const changes = { from: Number(follower.node.nodeId), term: 0, success: true, index: MAX_SAFE };
    expectAnswered(await cluster.post(leader, batchOf(leaderId, "AppendEntriesResponse", changes)));
    await expectStillServing(leader);
  }, 30_000);

  test("F5: an execute input nested 100 000 deep is a 400, not a 500", async () => {
    const node = await singleNode();
    const depth = 100_000;
    const body = `{"name":"ping_pong","version":1,"input":${"[".repeat(depth)}${"]".repeat(depth)}}`;
    expect(await cluster.postText(node, body, "/workflow/execute")).toBe(400);
    expect(node.lines.filter((line) => /^\S+ ERROR /.test(line))).toEqual([]);
  });

  test("F6: messages for 200 000 distinct groups the node does not host cost no memory or log lines per group", async () => {
    const node = await singleNode();
    const send = async (first: number, count: number): Promise<void> => {
      for (let at = first; at < first + count; at += 2_000) {
        const messages = Array.from({ length: 2_000 }, (_, k) => ({
          type: "raft",
          groupId: at + k,
          message: { ...raftTemplate("TimeoutNow"), from: 2, to: 1, term: 1 },
        }));
        expectAnswered(await cluster.post(node, { from: 2, to: 1, messages }));
      }
    };
    await send(1_000, 4_000); // Warm-up: the code paths and the connection exist.
    const before = heapMiB();
    await send(100_000, 200_000);
    await cluster.pingPong(node);
    const growthMiB = heapMiB() - before;
    const warnLines = node.counts.get("WARN") ?? 0;
    console.log(`F6: heap grew ${growthMiB.toFixed(1)} MiB; ${warnLines} WARN lines`);
    // One rate-limited line per interval at most, and no state per group.
    expect(warnLines).toBeLessThan(50);
    expect(growthMiB).toBeLessThan(2);
  }, 60_000);

  test("F7: batches from 10 000 distinct unknown senders cost no memory or log lines per sender", async () => {
    const node = await singleNode();
    // Each batch gets an "unknown group" reply, so the node opens a send queue to its sender.
    const send = async (first: number, count: number): Promise<void> => {
      for (let from = first; from < first + count; from++) {
        const message = { ...raftTemplate("TimeoutNow"), from, to: 1, term: 1 };
        const batch = { from, to: 1, messages: [{ type: "raft", groupId: 7, message }] };
        expectAnswered(await cluster.post(node, batch));
      }
    };
    await send(1_000, 1_000);
    const before = heapMiB();
    await send(100_000, 10_000);
    await cluster.pingPong(node);
    const growthMiB = heapMiB() - before;
    const warnLines = node.counts.get("WARN") ?? 0;
    console.log(`F7: heap grew ${growthMiB.toFixed(1)} MiB; ${warnLines} WARN lines`);
    expect(warnLines).toBeLessThan(50);
    expect(growthMiB).toBeLessThan(1);
  }, 60_000);

  test("F8: memory for workflows with large inputs stops growing at the retention bounds", async () => {
    const node = await singleNode();
    // ping_pong fails for this input (its error names only the input's start).
    const body = JSON.stringify({
      name: "ping_pong",
      version: 1,
      input: JSON.stringify("x".repeat(900_000)),
    });
    const start = async (count: number): Promise<void> => {
      for (let k = 0; k < count; k++) {
        const status = await cluster.postText(node, body, "/workflow/execute");
        expect(status === 200 || (status >= 400 && status < 500)).toBe(true);
      }
      await cluster.pingPong(node); // Everything before it has been applied.
    };
    // Past about 150 such starts the retained results (64 MiB) and the in-memory log
    // (snapshot every 64 MiB) are at their bounds: another 135 MB of input adds little.
    await start(150);
    const before = heapMiB();
    await start(150);
    const growthMiB = heapMiB() - before;
    console.log(`F8: heap grew ${growthMiB.toFixed(1)} MiB over the second 150 starts of 900 KB`);
    expect(growthMiB).toBeLessThan(48);
  }, 120_000);
});
