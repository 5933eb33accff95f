// Raft paper §5.3: log replication. The AppendEntries consistency check, deletion of conflicting
// entries, commit propagation through leaderCommit, and the leader's side: fast back-off with
// (hintIndex, hintTerm), probe then replicate, bounded inflight appends, batching by bytes, and
// retrying until every follower stores every entry.

import { describe, expect, test } from "bun:test";
import type { RaftMessage, RawNode } from "../../src/raft/index.ts";
import { appliedTexts, TestNetwork } from "../raft/harness.ts";
import {
  appendEntries,
  appendResponse,
  deliver,
  drain,
  electLeader,
  entries,
  heartbeatResponse,
  leaderOfThree,
  logTerms,
  newNode,
  ofType,
  proposeText,
  replicatingLeader,
  to,
} from "./fixture.ts";

function followerWithLog(terms: readonly number[], commit = 0): RawNode {
  const raw = newNode({ id: 2, voters: [1, 2, 3], logTerms: terms, commit });
  drain(raw);
  return raw;
}

/** Entry bytes as the leader counts them toward appendBytesMax (data plus 24). */
const ENTRY_OVERHEAD_BYTES = 24;

/** Delivers messages between leader 1 and follower 2 until they stop; counts rejections. */
function exchange(leader: RawNode, follower: RawNode, first: readonly RaftMessage[]) {
  let queue = [...first].filter((m) => m.to === 2);
  const rejected: number[] = [];
  for (let round = 0; queue.length > 0 && round < 50; round++) {
    const next: RaftMessage[] = [];
    for (const message of queue) {
      const { messages: replies } = deliver(follower, message);
      for (const reply of replies) {
        if (reply.type === "AppendEntriesResponse" && !reply.success) rejected.push(reply.index);
        next.push(...to(deliver(leader, reply).messages, 2));
      }
    }
    queue = next;
  }
  return rejected;
}

describe("§5.3 follower side", () => {
  test("follower rejects AppendEntries with mismatched prevLogTerm (§5.3)", () => {
    const raw = followerWithLog([1, 1, 2]);
    const { messages, readies } = deliver(
      raw,
      appendEntries({
        from: 1,
        to: 2,
        term: 3,
        prevLogIndex: 3,
        prevLogTerm: 3,
        entries: entries(4, [3]),
      }),
    );
    expect(logTerms(raw)).toEqual([1, 1, 2]);
    expect(readies.flatMap((ready) => ready.entries)).toEqual([]);
    const [response] = ofType(messages, "AppendEntriesResponse");
    expect(response).toMatchObject({ success: false, index: 3, hintIndex: 3, hintTerm: 2 });
  });

  test("follower rejects AppendEntries whose prevLogIndex is past its log (§5.3)", () => {
    const raw = followerWithLog([1, 1]);
    const { messages } = deliver(
      raw,
      appendEntries({ from: 1, to: 2, term: 3, prevLogIndex: 5, prevLogTerm: 3 }),
    );
    expect(logTerms(raw)).toEqual([1, 1]);
    const [response] = ofType(messages, "AppendEntriesResponse");
    expect(response).toMatchObject({ success: false, index: 5, hintIndex: 2, hintTerm: 1 });
  });

  test.each([
    { prev: [2, 2], terms: [3], expected: [1, 2, 3] },
    { prev: [1, 1], terms: [3, 4], expected: [1, 3, 4] },
    { prev: [0, 0], terms: [1], expected: [1, 2] },
    { prev: [0, 0], terms: [3], expected: [3] },
  ])(
    "follower with log [1,2] given $terms after $prev holds $expected (§5.3)",
    ({ prev, terms, expected }) => {
      const raw = followerWithLog([1, 2]);
      const [prevLogIndex = 0, prevLogTerm = 0] = prev;
      const { messages } = deliver(
        raw,
        appendEntries({
          from: 1,
          to: 2,
          term: 4,
          prevLogIndex,
          prevLogTerm,
          entries: entries(prevLogIndex + 1, terms),
        }),
      );
      expect<unknown>(logTerms(raw)).toEqual(expected);
      const [response] = ofType(messages, "AppendEntriesResponse");
      expect(response).toMatchObject({ success: true, index: prevLogIndex + terms.length });
    },
  );

  test("follower deletes a conflicting entry and all that follow it (§5.3)", () => {
    const raw = followerWithLog([1, 1, 2, 2, 2]);
    const { readies } = deliver(
      raw,
      appendEntries({
        from: 1,
        to: 2,
        term: 3,
        prevLogIndex: 2,
        prevLogTerm: 1,
        entries: entries(3, [3]),
      }),
    );
    expect(logTerms(raw)).toEqual([1, 1, 3]);
    // The host is told to write from index 3 on, replacing what it stored there.
    expect<unknown>(
      readies.flatMap((ready) => ready.entries).map((e) => [e.index, e.term]),
    ).toEqual([[3, 3]]);
  });

  test("follower keeps the entries after a duplicate, delayed AppendEntries (§5.3)", () => {
    const raw = followerWithLog([1, 1, 1, 1], 1);
    const { messages } = deliver(
      raw,
      appendEntries({
        from: 1,
        to: 2,
        term: 1,
        prevLogIndex: 1,
        prevLogTerm: 1,
        entries: entries(2, [1]),
      }),
    );
    expect(logTerms(raw)).toEqual([1, 1, 1, 1]);
    expect(ofType(messages, "AppendEntriesResponse")[0]).toMatchObject({ success: true, index: 2 });
  });

  test.each([
    { prevLogIndex: 1, terms: [], leaderCommit: 3, commit: 1 },
    { prevLogIndex: 3, terms: [1], leaderCommit: 3, commit: 3 },
    { prevLogIndex: 3, terms: [1], leaderCommit: 10, commit: 4 },
    { prevLogIndex: 2, terms: [1], leaderCommit: 2, commit: 2 },
  ])(
    "follower sets commit to min(leaderCommit $leaderCommit, last new entry) = $commit (§5.3)",
    ({ prevLogIndex, terms, leaderCommit, commit }) => {
      const raw = followerWithLog([1, 1, 1]);
      const { readies } = deliver(
        raw,
        appendEntries({
          from: 1,
          to: 2,
          term: 1,
          prevLogIndex,
          prevLogTerm: 1,
          entries: entries(prevLogIndex + 1, terms),
          leaderCommit,
        }),
      );
      expect(raw.status().commit).toBe(commit as never);
      const applied = readies.flatMap((ready) => ready.committedEntries).map((e) => e.index);
      expect(applied).toEqual(Array.from({ length: commit }, (_, k) => k + 1) as never);
    },
  );

  // Figure 7's followers (a) to (f) against the term-8 leader's prevLogIndex 10, prevLogTerm 6.
  test.each([
    { name: "a", log: [1, 1, 1, 4, 4, 5, 5, 6, 6], hint: [9, 6] },
    { name: "b", log: [1, 1, 1, 4], hint: [4, 4] },
    { name: "e", log: [1, 1, 1, 4, 4, 4, 4], hint: [7, 4] },
    { name: "f", log: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3], hint: [10, 3] },
  ])(
    "follower $name hints the last index <= prevLogIndex with term <= prevLogTerm (§5.3)",
    ({ log, hint }) => {
      const raw = followerWithLog(log);
      const { messages } = deliver(
        raw,
        appendEntries({ from: 1, to: 2, term: 8, prevLogIndex: 10, prevLogTerm: 6 }),
      );
      const [response] = ofType(messages, "AppendEntriesResponse");
      expect(response).toMatchObject({ success: false, hintIndex: hint[0], hintTerm: hint[1] });
    },
  );
});

describe("§5.3 leader side", () => {
  test("leader sends a new entry to every follower after its last matching entry (§5.3)", () => {
    const raw = replicatingLeader();
    const result = proposeText(raw, "x");
    expect(result).toMatchObject({ accepted: true, index: 3, term: 2 });
    const appends = ofType(drain(raw).messages, "AppendEntries");
    expect(appends.map((m) => [m.to, m.prevLogIndex, m.prevLogTerm, m.entries.length])).toEqual([
      [2, 2, 2, 1],
      [3, 2, 2, 1],
    ]);
  });

  test("leader commits an entry once a majority stored it, and only then (§5.3)", () => {
    const raw = newNode({ id: 1, voters: [1, 2, 3, 4, 5], logTerms: [1], commit: 1 });
    drain(raw);
    electLeader(raw, [2, 3]);
    expect(raw.status().commit).toBe(1 as never);
    const ack = (from: number) => deliver(raw, appendResponse({ from, to: 1, term: 2, index: 2 }));
    expect(ack(2).readies.flatMap((ready) => ready.committedEntries)).toEqual([]);
    expect(raw.status().commit).toBe(1 as never);
    const { readies } = ack(3);
    expect(raw.status().commit).toBe(2 as never);
    expect(readies.flatMap((ready) => ready.committedEntries).map((e) => e.index)).toEqual([
      2 as never,
    ]);
  });

  test("leader tells followers the new commit index in its next AppendEntries (§5.3)", () => {
    const { raw } = leaderOfThree();
    const { messages } = deliver(raw, appendResponse({ from: 2, to: 1, term: 2, index: 2 }));
    expect(raw.status().commit).toBe(2 as never);
    const appends = ofType(messages, "AppendEntries");
    expect(appends.filter((m) => m.to === 2).map((m) => m.leaderCommit)).toContain(2 as never);
  });

  // Figure 7: the term-8 leader [1,1,1,4,4,5,5,6,6,6] and followers (a) to (f).
  test.each([
    { name: "a", log: [1, 1, 1, 4, 4, 5, 5, 6, 6], rejections: [10] },
    { name: "b", log: [1, 1, 1, 4], rejections: [10] },
    { name: "c", log: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6], rejections: [] },
    { name: "d", log: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7], rejections: [] },
    { name: "e", log: [1, 1, 1, 4, 4, 4, 4], rejections: [10] },
    { name: "f", log: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3], rejections: [10] },
  ])(
    "leader brings follower $name in line, skipping a term per rejection (§5.3)",
    ({ log, rejections }) => {
      const leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
      const leader = newNode({ id: 1, voters: [1, 2, 3], logTerms: leaderLog, term: 7, commit: 1 });
      drain(leader);
      const { messages } = electLeader(leader, [3]);
      expect(leader.status().term).toBe(8 as never);
      const follower = newNode({ id: 2, voters: [1, 2, 3], logTerms: log, commit: 1 });
      drain(follower);
      expect(exchange(leader, follower, messages)).toEqual(rejections as never);
      expect(logTerms(follower)).toEqual([...leaderLog, 8]);
    },
  );

  test("leader probes with one AppendEntries until the follower answers (§5.3)", () => {
    const { raw, messages } = leaderOfThree();
    expect(to(ofType(messages, "AppendEntries"), 2)).toHaveLength(1);
    proposeText(raw, "x");
    proposeText(raw, "y");
    // Follower 2 has not answered the first probe: nothing more goes to it yet.
    expect(to(drain(raw).messages, 2)).toEqual([]);
    const { messages: afterAck } = deliver(
      raw,
      appendResponse({ from: 2, to: 1, term: 2, index: 2 }),
    );
    const appends = to(ofType(afterAck, "AppendEntries"), 2) as RaftMessage[];
    expect(appends.length).toBeGreaterThan(0);
  });

  test("leader streams without waiting once a probe succeeded (§5.3)", () => {
    const raw = replicatingLeader();
    for (const text of ["a", "b", "c"]) {
      proposeText(raw, text);
      const appends = ofType(to(drain(raw).messages, 2), "AppendEntries");
      expect(appends.map((m) => m.entries.length)).toEqual([1]);
    }
  });

  test("leader returns to probing after a rejection while replicating (§5.3)", () => {
    const raw = replicatingLeader();
    // Entry 3 goes out, then entry 4; the first message is lost, so the follower rejects the
    // second (prevLogIndex 3) and hints that its log ends at index 2.
    proposeText(raw, "a");
    drain(raw);
    proposeText(raw, "b");
    drain(raw);
    const { messages } = deliver(
      raw,
      appendResponse({
        from: 2,
        to: 1,
        term: 2,
        index: 3,
        success: false,
        hintIndex: 2,
        hintTerm: 2,
      }),
    );
    const probes = ofType(to(messages, 2), "AppendEntries");
    expect(probes.map((m) => [m.prevLogIndex, m.entries.map((e) => e.index)])).toEqual([
      [2, [3, 4]],
    ] as never);
    // Probing again: one message at a time until the follower answers.
    proposeText(raw, "c");
    expect(to(drain(raw).messages, 2)).toEqual([]);
  });

  test("leader keeps at most inflightAppendsMax unacknowledged appends per follower (§5.3)", () => {
    const raw = replicatingLeader({ inflightAppendsMax: 2 });
    const sent: number[] = [];
    for (const text of ["a", "b", "c", "d"]) {
      proposeText(raw, text);
      const appends = ofType(to(drain(raw).messages, 2), "AppendEntries");
      sent.push(...appends.map((m) => m.entries.at(-1)?.index ?? 0));
    }
    expect(sent).toEqual([3, 4]);
    // An acknowledgement frees room: the rest goes out.
    const { messages } = deliver(raw, appendResponse({ from: 2, to: 1, term: 2, index: 3 }));
    const resumed = ofType(to(messages, 2), "AppendEntries");
    expect(resumed.flatMap((m) => m.entries.map((e) => e.index))).toEqual([5, 6] as never);
  });

  test("leader sends a follower behind at most inflightBytesMax (4 MiB) unacknowledged", () => {
    // What the leader sends in one turn: with 32 MiB a node back from a restart was sent
    // 22 MB in one turn of 130 ms, while every other group on the leader's node waited.
    const raw = newNode({ id: 1, voters: [1, 2], logTerms: [1], commit: 1 });
    drain(raw);
    electLeader(raw, [2]);
    // Entries of 256 KiB as the leader counts them: four to an append of 1 MiB.
    for (let k = 0; k < 24; k++) raw.propose(new Uint8Array(256 * 1024 - ENTRY_OVERHEAD_BYTES));
    drain(raw);
    const sent = (messages: readonly RaftMessage[]) =>
      ofType(messages, "AppendEntries").map((m) => m.entries.length);
    // The follower answers the probe for the no-op (index 2): 4 MiB go, then the window is full.
    const first = deliver(raw, appendResponse({ from: 2, to: 1, term: 2, index: 2 })).messages;
    expect(sent(first)).toEqual([4, 4, 4, 4]);
    // Acknowledging the first append frees 1 MiB of it.
    const next = deliver(raw, appendResponse({ from: 2, to: 1, term: 2, index: 6 })).messages;
    expect(sent(next)).toEqual([4]);
  });

  test("leader batches entries into AppendEntries of at most appendBytesMax (§5.3)", () => {
    const dataBytes = 16;
    const appendBytesMax = 3 * (dataBytes + ENTRY_OVERHEAD_BYTES);
    const raw = newNode({
      id: 1,
      voters: [1, 2],
      logTerms: [1],
      commit: 1,
      config: { appendBytesMax },
    });
    drain(raw);
    electLeader(raw, [2]);
    for (let k = 0; k < 10; k++) proposeText(raw, `${k}`.padStart(dataBytes, "-"));
    drain(raw);
    // The follower answers the probe for the no-op (index 2); the leader then streams.
    const { messages } = deliver(raw, appendResponse({ from: 2, to: 1, term: 2, index: 2 }));
    const appends = ofType(messages, "AppendEntries").filter((m) => m.entries.length > 0);
    const sizes = appends.map((m) =>
      m.entries.reduce((sum, e) => sum + e.data.byteLength + ENTRY_OVERHEAD_BYTES, 0),
    );
    for (const size of sizes) expect(size).toBeLessThanOrEqual(appendBytesMax);
    expect(appends.map((m) => m.entries.length)).toEqual([3, 3, 3, 1]);
    expect(appends.flatMap((m) => m.entries.map((e) => e.index))).toEqual(
      Array.from({ length: 10 }, (_, k) => k + 3) as never,
    );
  });

  test("leader sends an entry larger than appendBytesMax on its own (§5.3)", () => {
    const raw = newNode({
      id: 1,
      voters: [1, 2],
      logTerms: [1],
      commit: 1,
      config: { appendBytesMax: 64 },
    });
    drain(raw);
    electLeader(raw, [2]);
    raw.propose(new Uint8Array(200));
    raw.propose(new Uint8Array(200));
    drain(raw);
    const { messages } = deliver(raw, appendResponse({ from: 2, to: 1, term: 2, index: 2 }));
    const appends = ofType(messages, "AppendEntries").filter((m) => m.entries.length > 0);
    expect(appends.map((m) => m.entries.map((e) => e.index))).toEqual([[3], [4]] as never);
  });

  test("follower learns the commit index from a heartbeat after its entries (§5.3)", () => {
    const raw = replicatingLeader();
    proposeText(raw, "x");
    const sent = drain(raw).messages;
    deliver(raw, appendResponse({ from: 3, to: 1, term: 2, index: 3 }));
    expect(raw.status().commit).toBe(3 as never);
    // Follower 2 got entry 3 but its ack was lost; the next heartbeat round repairs that.
    const { messages } = deliver(raw, heartbeatResponse({ from: 2, to: 1, term: 2 }));
    const commits = ofType(to([...sent, ...messages], 2), "AppendEntries").map(
      (m) => m.leaderCommit,
    );
    expect(commits.at(-1)).toBe(3 as never);
  });

  test.each([1, 2, 3])(
    "leader retries until a follower that lost %i appends stores every entry (§5.3)",
    (lost) => {
      const network = TestNetwork.bootstrap([1, 2, 3], { config: { inflightAppendsMax: 2 } });
      network.campaign(1);
      network.propose(1, "warm-up");
      // 1. Node 3 is down; leader 1 and follower 2 are a majority and follower 2 is replicating.
      // 2. The next `lost` AppendEntries carrying entries to follower 2 vanish on the wire.
      network.isolate(3);
      let toDrop = lost;
      network.drop(
        (m) => m.type === "AppendEntries" && m.to === 2 && m.entries.length > 0 && toDrop-- > 0,
      );
      const texts = ["a", "b", "c", "d"];
      for (const text of texts) network.propose(1, text);
      // 3. The wire to follower 2 is healthy again: heartbeats must lead to the lost entries
      // being sent again, and they commit with the majority {1, 2}.
      network.heal();
      network.isolate(3);
      network.tick(50);
      const leader = network.node(1).raw.status();
      expect(network.node(2).raw.status().lastIndex).toBe(leader.lastIndex);
      expect(leader.commit).toBe(leader.lastIndex);
      expect(appliedTexts(network.node(2))).toEqual(["warm-up", ...texts]);
    },
  );
});
