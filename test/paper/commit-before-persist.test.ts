// Thesis 10.2.1 lets a leader replicate while its own write is in flight; it does not let the
// leader announce a commit that rests on that write. A message that may leave before the
// write (canSendBeforePersist) must carry a commit index no entry of which is still only in
// the leader's memory: if the leader crashed before its write finished, a follower would have
// applied an entry that no disk of a majority holds. With several voters the leader learns of
// a commit from an acknowledgement, in a later turn, after its write; a single voter commits
// its own entries, and its learner used to hear of that commit in the very Ready whose write
// held them.

import { describe, expect, test } from "bun:test";
import {
  canSendBeforePersist,
  type RaftMessage,
  type RawNode,
  type Ready,
} from "../../src/raft/index.ts";
import { appendResponse, bytes, drain, leaderOfThree, newNode, ofType } from "./fixture.ts";

function commitOf(message: RaftMessage): number | undefined {
  return message.type === "AppendEntries" || message.type === "Heartbeat"
    ? message.leaderCommit
    : undefined;
}

/**
 * Hands out and finishes every Ready as the host does (early messages, then the write), and
 * fails if an early message announces a commit past what was on disk before the write.
 * Returns every message sent.
 */
function runReadies(raw: RawNode, onDisk: { lastIndex: number }): RaftMessage[] {
  const sent: RaftMessage[] = [];
  while (raw.hasReady()) {
    const ready: Ready = raw.ready();
    for (const message of ready.messages.filter(canSendBeforePersist)) {
      const commit = commitOf(message) ?? 0;
      expect({ message: message.type, commit }).toEqual({
        message: message.type,
        commit: Math.min(commit, onDisk.lastIndex),
      });
    }
    sent.push(...ready.messages);
    const last = ready.entries.at(-1);
    if (last !== undefined) onDisk.lastIndex = last.index;
    raw.advance(ready);
  }
  raw.checkInvariants();
  return sent;
}

/** Acknowledges every append in `messages`, without handling the Readies that follow. */
function acknowledge(raw: RawNode, messages: readonly RaftMessage[]): void {
  for (const message of ofType(messages, "AppendEntries")) {
    const index = message.entries.at(-1)?.index ?? message.prevLogIndex;
    raw.step(appendResponse({ from: message.to, to: message.from, term: message.term, index }));
  }
}

describe("a commit is announced only once the entries under it are on the leader's disk", () => {
  test("a single voter tells its learner of a commit only after its own write", () => {
    const raw = newNode({ id: 1, voters: [1], learners: [2], logTerms: [1], commit: 1 });
    drain(raw);
    const onDisk = { lastIndex: 1 };
    raw.campaign();
    const toLearner: RaftMessage[] = [];
    const round = () => {
      const sent = runReadies(raw, onDisk);
      toLearner.push(...sent);
      acknowledge(raw, sent);
      toLearner.push(...runReadies(raw, onDisk));
    };
    round();
    expect(raw.status().role).toBe("leader");
    for (const text of ["a", "b", "c"]) {
      raw.propose(bytes(text));
      round();
    }
    // Everything committed, and the learner heard of it.
    const { lastIndex, commit } = raw.status();
    expect(commit).toBe(lastIndex);
    const announced = toLearner.map((message) => commitOf(message) ?? 0);
    expect(Math.max(...announced)).toBe(lastIndex);
  });

  test("a leader of three announces a commit once acknowledged, as before", () => {
    const { raw, messages } = leaderOfThree();
    acknowledge(raw, messages);
    drain(raw);
    const onDisk = { lastIndex: raw.status().lastIndex };
    raw.propose(bytes("x"));
    const sent = runReadies(raw, onDisk);
    acknowledge(raw, sent);
    const notices = ofType(runReadies(raw, onDisk), "AppendEntries");
    expect(notices.map((notice) => notice.leaderCommit)).toContain(raw.status().lastIndex);
  });
});
