// A leader whose log contradicts an entry this follower committed: impossible while synced
// writes stay on disk, so it means a majority lost some. The follower stops with an error
// that says so (CommittedEntryLostError) instead of answering that its log matches, which hid
// the loss from the leader and left the follower stuck without the leader's new entries.

import { describe, expect, test } from "bun:test";
import { CommittedEntryLostError } from "../../src/raft/index.ts";
import type { AppendEntries } from "../../src/raft/messages.ts";
import { deliver, drain, entries, newNode } from "../paper/fixture.ts";

/** Node 2 holds entries 1-3 at term 1, all committed; node 1 leads term 3. */
function committedFollower() {
  const follower = newNode({ id: 2, voters: [1, 2, 3], logTerms: [1, 1, 1], commit: 3 });
  drain(follower);
  return follower;
}

function append(prev: [number, number], entryTerms: number[]): AppendEntries {
  return {
    type: "AppendEntries",
    from: 1 as never,
    to: 2 as never,
    term: 3 as never,
    prevLogIndex: prev[0] as never,
    prevLogTerm: prev[1] as never,
    entries: entries(prev[0] + 1, entryTerms),
    leaderCommit: 1 as never,
  };
}

describe("a leader without entries this node committed", () => {
  test("an append whose previous entry contradicts a committed one stops the follower", () => {
    const follower = committedFollower();
    const thrown = (() => {
      try {
        follower.step(append([2, 2], [3]));
      } catch (error) {
        return error;
      }
    })();
    expect(thrown).toBeInstanceOf(CommittedEntryLostError);
    expect(thrown).toMatchObject({ code: "STORAGE_CORRUPT" });
    expect((thrown as Error).message).toStartWith(
      "the leader's log has entry 2 at term 2, where this node committed one at term 1",
    );
  });

  test("so does an append that would overwrite a committed entry", () => {
    const follower = committedFollower();
    expect(() => follower.step(append([1, 1], [2, 3]))).toThrow(CommittedEntryLostError);
  });

  test("a leader that agrees is told how far the follower is, as before", () => {
    const follower = committedFollower();
    const { messages } = deliver(follower, append([1, 1], [1, 1, 3]));
    expect(messages).toEqual([
      expect.objectContaining({ type: "AppendEntriesResponse", success: true, index: 3 }),
    ]);
  });
});
