// Raft paper §7: log compaction. A snapshot replaces the log up to its index; a follower that
// needs compacted entries gets InstallSnapshot in chunks, restores only from the complete
// snapshot, copes with lost, duplicate and reordered chunks, and then replication resumes.

import { describe, expect, test } from "bun:test";
import { AssertionError, logIndex, term } from "../../src/lib/index.ts";
import { DEFAULT_RAFT_CONFIG, type RawNode, type Snapshot } from "../../src/raft/index.ts";
import { appliedTexts, TestNetwork } from "../raft/harness.ts";
import {
  appendEntries,
  appendResponse,
  bytes,
  confStateOf,
  deliver,
  drain,
  electLeader,
  entries,
  heartbeat,
  heartbeatResponse,
  installSnapshot,
  installSnapshotResponse,
  logTerms,
  newNode,
  ofType,
  tickTimes,
} from "./fixture.ts";

const CHUNK_BYTES = 4;
const ELECTION_TICKS = DEFAULT_RAFT_CONFIG.electionTicks;
const SNAPSHOT_DATA = bytes("0123456789");
const VOTERS = [1, 2, 3];

/** The leader's snapshot: state through index 5 (term 1), ten bytes, so three chunks. */
const SNAPSHOT: Snapshot = {
  metadata: {
    index: logIndex(5),
    term: term(1),
    confState: confStateOf({ id: 1, voters: VOTERS }),
  },
  data: SNAPSHOT_DATA,
};

/** Follower 2 at term 2 with log [1, 1]: it needs the snapshot. */
function laggingFollower(): RawNode {
  const raw = newNode({ id: 2, voters: VOTERS, logTerms: [1, 1], term: 2, commit: 1 });
  drain(raw);
  return raw;
}

function chunk(offset: number) {
  return installSnapshot({
    from: 1,
    to: 2,
    term: 2,
    snapshot: SNAPSHOT,
    offset,
    chunkBytes: CHUNK_BYTES,
  });
}

/**
 * Leader 1 of term 2 whose log starts after the snapshot at index 5: [6: term 1, 7: no-op].
 * Follower 2 has just rejected the first AppendEntries with an empty log, so the leader is
 * sending it the snapshot; returns the first InstallSnapshot message too.
 */
function leaderSendingSnapshot() {
  const raw = newNode({
    id: 1,
    voters: VOTERS,
    snapshot: { index: 5, term: 1, data: SNAPSHOT_DATA },
    logTerms: [1],
    commit: 6,
    config: { snapshotChunkBytes: CHUNK_BYTES },
  });
  drain(raw);
  electLeader(raw, [3]);
  const { messages } = deliver(
    raw,
    appendResponse({ from: 2, to: 1, term: 2, index: 6, success: false, hintIndex: 0 }),
  );
  const chunks = ofType(messages, "InstallSnapshot");
  return { raw, chunks };
}

describe("§7 snapshots and compaction", () => {
  test("createSnapshot captures the applied state and compact drops covered entries (§7)", () => {
    const raw = newNode({ id: 1, voters: VOTERS, logTerms: [1, 1, 1, 2, 2], commit: 5 });
    drain(raw);
    const snapshot = raw.createSnapshot(bytes("state"));
    expect(snapshot.metadata).toMatchObject({ index: 5, term: 2, confState: { voters: VOTERS } });
    raw.compact(logIndex(4));
    expect(raw.termAt(logIndex(3))).toBeUndefined();
    expect(raw.termAt(logIndex(4))).toBe(2 as never);
    expect(logTerms(raw, 4)).toEqual([2, 2]);
    expect(raw.status().lastIndex).toBe(5 as never);
    raw.checkInvariants();
  });

  test("the log cannot be compacted past the latest snapshot (§7)", () => {
    const raw = newNode({ id: 1, voters: VOTERS, logTerms: [1, 1, 1], commit: 3 });
    drain(raw);
    raw.createSnapshot(bytes("state"));
    expect(() => raw.compact(logIndex(4))).toThrow(AssertionError);
  });

  test("leader sends InstallSnapshot in chunks to a follower needing compacted entries (§7)", () => {
    const { raw, chunks } = leaderSendingSnapshot();
    expect(chunks.map((m) => [m.offset, m.data.byteLength, m.totalBytes])).toEqual([
      [0, CHUNK_BYTES, SNAPSHOT_DATA.byteLength],
    ]);
    const offsets: number[] = [];
    for (const acked of [4, 8]) {
      const { messages } = deliver(
        raw,
        installSnapshotResponse({ from: 2, to: 1, term: 2, snapshotIndex: 5, offset: acked }),
      );
      for (const m of ofType(messages, "InstallSnapshot")) {
        expect(m.metadata.index).toBe(5 as never);
        expect(m.data).toEqual(SNAPSHOT_DATA.subarray(m.offset, m.offset + m.data.byteLength));
        offsets.push(m.offset);
      }
    }
    expect(offsets).toEqual([4, 8]);
  });

  test("follower restores the snapshot only when its last chunk arrives (§7)", () => {
    const raw = laggingFollower();
    for (const offset of [0, 4]) {
      const { messages, readies } = deliver(raw, chunk(offset));
      expect(readies.some((ready) => ready.snapshot !== undefined)).toBe(false);
      expect(raw.status()).toMatchObject({ commit: 1, lastIndex: 2 });
      expect(ofType(messages, "InstallSnapshotResponse").map((m) => m.offset)).toEqual([
        offset + CHUNK_BYTES,
      ]);
    }
    const { messages, readies } = deliver(raw, chunk(8));
    const restored = readies.find((ready) => ready.snapshot !== undefined);
    expect(restored?.snapshot?.data).toEqual(SNAPSHOT_DATA);
    expect(restored?.mustSync).toBe(true);
    expect(raw.status()).toMatchObject({ commit: 5, applied: 5, lastIndex: 5 });
    const [response] = ofType(messages, "AppendEntriesResponse");
    expect(response).toMatchObject({ success: true, index: 5 });
  });

  test("a follower counts the commits it was told of and has not applied, held or not", () => {
    const raw = laggingFollower();
    expect(raw.unappliedCommits()).toBe(0);
    // A heartbeat's commit is capped at what the leader knew this replica to hold: no news.
    deliver(raw, heartbeat({ from: 1, to: 2, term: 2, leaderCommit: 1 }));
    expect(raw.hasHeardGroupCommit()).toBe(false);
    // The leader's probe does not match this log, and says the group committed through 7.
    const probe = appendEntries({ from: 1, to: 2, term: 2, prevLogIndex: 6, prevLogTerm: 1 });
    deliver(raw, { ...probe, leaderCommit: logIndex(7) });
    expect(raw.unappliedCommits()).toBe(6);
    expect(raw.hasHeardGroupCommit()).toBe(true);
    for (const offset of [0, 4, 8]) deliver(raw, chunk(offset));
    expect(raw.unappliedCommits()).toBe(2);
    const rest = entries(6, [1, 2]);
    deliver(
      raw,
      appendEntries({
        from: 1,
        to: 2,
        term: 2,
        prevLogIndex: 5,
        prevLogTerm: 1,
        entries: rest,
        leaderCommit: 7,
      }),
    );
    expect(raw.status()).toMatchObject({ applied: 7 });
    expect(raw.unappliedCommits()).toBe(0);
  });

  test("follower ignores out-of-order and duplicate chunks and says where to resume (§7)", () => {
    const raw = laggingFollower();
    const offsetsAcked = (offset: number) =>
      ofType(deliver(raw, chunk(offset)).messages, "InstallSnapshotResponse").map((m) => m.offset);
    expect(offsetsAcked(4)).toEqual([0]);
    expect(offsetsAcked(0)).toEqual([4]);
    expect(offsetsAcked(0)).toEqual([4]);
    expect(offsetsAcked(8)).toEqual([4]);
    expect(offsetsAcked(4)).toEqual([8]);
    expect(offsetsAcked(4)).toEqual([8]);
    expect(raw.status().lastIndex).toBe(2 as never);
    const { readies } = deliver(raw, chunk(8));
    expect(readies.find((ready) => ready.snapshot !== undefined)?.snapshot?.data).toEqual(
      SNAPSHOT_DATA,
    );
  });

  test("follower holding the snapshot's last entry keeps the entries after it (§7)", () => {
    const raw = newNode({ id: 2, voters: VOTERS, logTerms: [1, 1, 1, 1, 1, 2, 2], term: 2 });
    drain(raw);
    let readies: ReturnType<typeof drain>["readies"] = [];
    for (const offset of [0, 4, 8]) readies = deliver(raw, chunk(offset)).readies;
    expect(readies.some((ready) => ready.snapshot !== undefined)).toBe(false);
    expect(logTerms(raw)).toEqual([1, 1, 1, 1, 1, 2, 2]);
    expect(raw.status().commit).toBe(5 as never);
  });

  test("follower whose log conflicts with the snapshot discards the whole log (§7)", () => {
    const raw = newNode({ id: 2, voters: VOTERS, logTerms: [1, 1, 1, 1, 2, 2, 2], term: 2 });
    drain(raw);
    for (const offset of [0, 4, 8]) deliver(raw, chunk(offset));
    expect(raw.status()).toMatchObject({ commit: 5, lastIndex: 5 });
    expect(raw.termAt(logIndex(5))).toBe(1 as never);
    expect(raw.termAt(logIndex(6))).toBeUndefined();
  });

  test("leader resumes AppendEntries after the follower installed the snapshot (§7)", () => {
    const { raw } = leaderSendingSnapshot();
    const { messages } = deliver(raw, appendResponse({ from: 2, to: 1, term: 2, index: 5 }));
    const appends = ofType(messages, "AppendEntries").filter((m) => m.to === 2);
    expect(appends.map((m) => [m.prevLogIndex, m.entries.map((e) => e.index)])).toEqual([
      [5, [6, 7]],
    ] as never);
  });

  test("a chunk unanswered for an election timeout is sent again at a heartbeat's answer (§7)", () => {
    const { raw, chunks } = leaderSendingSnapshot();
    expect(chunks).toHaveLength(1);
    const chunksAfterHeartbeat = () =>
      deliver(raw, heartbeatResponse({ from: 2, to: 1, term: 2 })).messages.filter(
        (m) => m.type === "InstallSnapshot",
      );
    // A heartbeat answered while the chunk may still be on its way sends no copy of it.
    tickTimes(raw, 1);
    expect(chunksAfterHeartbeat()).toEqual([]);
    // An election timeout after it was sent, the chunk counts as lost: it goes again.
    tickTimes(raw, ELECTION_TICKS);
    expect(chunksAfterHeartbeat().map((m) => m.offset)).toEqual([0]);
    // Same for a later chunk.
    deliver(raw, installSnapshotResponse({ from: 2, to: 1, term: 2, snapshotIndex: 5, offset: 4 }));
    expect(chunksAfterHeartbeat()).toEqual([]);
    tickTimes(raw, ELECTION_TICKS);
    expect(chunksAfterHeartbeat().map((m) => m.offset)).toEqual([4]);
  });

  test("answers to copies of a chunk send the next chunk once, not once per copy (§7)", () => {
    const { raw } = leaderSendingSnapshot();
    const answer = (offset: number) =>
      ofType(
        deliver(raw, installSnapshotResponse({ from: 2, to: 1, term: 2, snapshotIndex: 5, offset }))
          .messages,
        "InstallSnapshot",
      ).map((m) => m.offset);
    // Two copies of the first chunk reached the follower: it answers each with 4.
    expect(answer(4)).toEqual([4]);
    expect(answer(4)).toEqual([]);
    expect(answer(8)).toEqual([8]);
    // A follower that lost what it had (a restart) asks from 0: the leader goes back.
    expect(answer(0)).toEqual([0]);
  });

  test("a follower that fell behind the compaction point catches up by snapshot (§7)", () => {
    const network = TestNetwork.bootstrap(VOTERS, { config: { snapshotChunkBytes: CHUNK_BYTES } });
    network.campaign(1);
    network.isolate(3);
    for (const text of ["a", "b", "c"]) network.propose(1, text);
    network.tick(2);
    const leader = network.node(1).raw;
    const applied = leader.status().applied;
    leader.createSnapshot(SNAPSHOT_DATA);
    leader.compact(applied);
    network.propose(1, "d");
    network.heal();
    network.tick(10);
    const follower = network.node(3);
    expect(network.delivered.filter((m) => m.type === "InstallSnapshot").length).toBe(3);
    expect(follower.disk.snapshot?.data).toEqual(SNAPSHOT_DATA);
    expect(follower.raw.status().lastIndex).toBe(leader.status().lastIndex);
    expect(follower.raw.status().commit).toBe(leader.status().commit);
    expect(appliedTexts(follower)).toEqual(["d"]);
  });
});
