// An AppendEntries that only moves the commit index of a follower known to hold the leader's
// log up to it is marked commitOnly, and a follower that accepts it sends no answer: the
// answer would tell the leader nothing new, and each one costs a message and a turn. Not
// answering is the same, to the leader, as the answer getting lost, which Raft tolerates; a
// rejection is still answered, and heartbeats keep telling the leader who is alive. And a
// leader tells each follower of a commit once: no empty append for a commit it already sent.

import { describe, expect, test } from "bun:test";
import type { AppendEntries } from "../../src/raft/index.ts";
import {
  ackAll,
  appendEntries,
  appendResponse,
  appendsTo,
  deliver,
  drain,
  entries,
  leaderOfThree,
  newNode,
  ofType,
  proposeText,
  replicatingLeader,
} from "./fixture.ts";

describe("leader side", () => {
  test("the commit notice to a follower that holds every entry is commitOnly", () => {
    const raw = replicatingLeader();
    proposeText(raw, "x");
    drain(raw);
    // Follower 2 acknowledges entry 3: it commits, and both followers hear of it.
    const { messages } = deliver(raw, appendResponse({ from: 2, to: 1, term: 2, index: 3 }));
    expect(raw.status().commit).toBe(3 as never);
    const [toTwo] = appendsTo(messages, 2);
    expect(toTwo).toMatchObject({ entries: [], leaderCommit: 3, commitOnly: true });
    // Follower 3 has entry 3 in flight, not acknowledged: its answer still matters.
    const [toThree] = appendsTo(messages, 3);
    expect(toThree?.leaderCommit).toBe(3 as never);
    expect(toThree?.commitOnly).toBeUndefined();
  });

  test("acknowledgements that commit twice in one turn tell each follower once", () => {
    const raw = replicatingLeader();
    proposeText(raw, "x");
    drain(raw);
    proposeText(raw, "y");
    drain(raw);
    // Follower 2 acknowledges entries 3 and 4 in two answers that reach one turn.
    raw.step(appendResponse({ from: 2, to: 1, term: 2, index: 3 }));
    raw.step(appendResponse({ from: 2, to: 1, term: 2, index: 4 }));
    const { messages } = drain(raw);
    expect(raw.status().commit).toBe(4 as never);
    expect(appendsTo(messages, 2).map((m) => [m.leaderCommit, m.entries.length])).toEqual([
      [4, 0],
    ] as never);
    expect(appendsTo(messages, 3).map((m) => [m.leaderCommit, m.entries.length])).toEqual([
      [4, 0],
    ] as never);
  });

  test("a turn whose appends carry a new commit sends no notice of it", () => {
    const raw = replicatingLeader();
    proposeText(raw, "x");
    drain(raw);
    // Follower 2's answer commits entry 3, and a proposal arrives in the same turn: the
    // append of entry 4 tells both followers of commit 3.
    raw.step(appendResponse({ from: 2, to: 1, term: 2, index: 3 }));
    proposeText(raw, "y");
    const { messages } = drain(raw);
    expect(raw.status().commit).toBe(3 as never);
    for (const id of [2, 3]) {
      expect(appendsTo(messages, id).map((m) => [m.leaderCommit, m.entries.length])).toEqual([
        [3, 1],
      ] as never);
    }
    // Follower 3's late answer for entry 3 commits nothing new: nothing to tell anyone.
    const late = deliver(raw, appendResponse({ from: 3, to: 1, term: 2, index: 3 }));
    expect(ofType(late.messages, "AppendEntries")).toEqual([]);
  });

  test("an append that carries entries, or probes, is never commitOnly", () => {
    const { raw, messages } = leaderOfThree();
    // The first append after an election probes each follower.
    for (const message of ofType(messages, "AppendEntries")) {
      expect(message.commitOnly).toBeUndefined();
    }
    ackAll(raw, messages);
    drain(raw);
    proposeText(raw, "y");
    for (const message of ofType(drain(raw).messages, "AppendEntries")) {
      expect(message.entries.length).toBe(1);
      expect(message.commitOnly).toBeUndefined();
    }
  });
});

describe("follower side", () => {
  function follower() {
    const raw = newNode({ id: 2, voters: [1, 2, 3], logTerms: [1, 2, 2], commit: 1 });
    drain(raw);
    return raw;
  }

  test("accepts a commitOnly append without answering, and applies up to its commit", () => {
    const raw = follower();
    const message = {
      ...appendEntries({ from: 1, to: 2, term: 2, prevLogIndex: 3, prevLogTerm: 2 }),
      leaderCommit: 3,
      commitOnly: true,
    } as AppendEntries;
    const { messages, readies } = deliver(raw, message);
    expect(messages).toEqual([]);
    expect(raw.status().commit).toBe(3 as never);
    expect(readies.flatMap((ready) => ready.committedEntries).map((e) => e.index)).toEqual([
      2, 3,
    ] as never);
  });

  test("answers a commitOnly append it must reject", () => {
    const raw = follower();
    const message = {
      ...appendEntries({ from: 1, to: 2, term: 3, prevLogIndex: 3, prevLogTerm: 3 }),
      commitOnly: true,
    } as AppendEntries;
    const answers = ofType(deliver(raw, message).messages, "AppendEntriesResponse");
    expect(answers).toHaveLength(1);
    expect(answers[0]?.success).toBe(false);
  });

  test("still answers an append without the mark, as older nodes send it", () => {
    const raw = follower();
    const message = appendEntries({
      from: 1,
      to: 2,
      term: 2,
      prevLogIndex: 3,
      prevLogTerm: 2,
      entries: entries(4, [2]),
      leaderCommit: 3,
    });
    const answers = ofType(deliver(raw, message).messages, "AppendEntriesResponse");
    expect(answers.map((answer) => [answer.success, answer.index])).toEqual([[true, 4]] as never);
  });
});
