// Raft paper §5.1: terms act as a logical clock. A node that sees a higher term adopts it and
// becomes a follower; a message from an older term is stale and changes nothing, except that
// the answer it may get tells a stale leader to step down.

import { describe, expect, test } from "bun:test";
import type { RaftMessage, Role } from "../../src/raft/index.ts";
import {
  appendEntries,
  appendResponse,
  deliver,
  drain,
  electLeader,
  entries,
  heartbeat,
  heartbeatResponse,
  logTerms,
  NONE,
  newNode,
  nodeInRole,
  ofType,
  requestVote,
  voteResponse,
} from "./fixture.ts";

const ROLES: Role[] = ["follower", "preCandidate", "candidate", "leader"];

/** Node 1 of {1,2,3} at term 3 with one entry of term 1; campaigning moves it to term 4. */
function nodeAtTerm3(role: Role) {
  return nodeInRole(role, { id: 1, voters: [1, 2, 3], logTerms: [1], term: 3, commit: 1 });
}

/** A message of each kind from node 2 with term 9, higher than any role's term here. */
const HIGHER_TERM: Record<string, { message: RaftMessage; leaderId: number }> = {
  AppendEntries: {
    message: appendEntries({ from: 2, to: 1, term: 9, prevLogIndex: 1, prevLogTerm: 1 }),
    leaderId: 2,
  },
  Heartbeat: { message: heartbeat({ from: 2, to: 1, term: 9 }), leaderId: 2 },
  RequestVote: {
    message: requestVote({ from: 2, to: 1, term: 9, lastLogIndex: 1, lastLogTerm: 1 }),
    leaderId: 0,
  },
  RequestVoteResponse: {
    message: voteResponse({ from: 2, to: 1, term: 9, granted: false }),
    leaderId: 0,
  },
  AppendEntriesResponse: {
    message: appendResponse({ from: 2, to: 1, term: 9, index: 1, success: false }),
    leaderId: 0,
  },
  HeartbeatResponse: { message: heartbeatResponse({ from: 2, to: 1, term: 9 }), leaderId: 0 },
};

const ROLE_AND_KIND = ROLES.flatMap((role) =>
  Object.keys(HIGHER_TERM).map((kind): [Role, string] => [role, kind]),
);

describe("§5.1 terms", () => {
  test.each(ROLE_AND_KIND)(
    "%s adopts the higher term of an incoming %s and becomes follower (§5.1)",
    (role, kind) => {
      const raw = nodeAtTerm3(role);
      const higher = HIGHER_TERM[kind];
      if (higher === undefined) throw new Error(`no message ${kind}`);
      const { readies } = deliver(raw, higher.message);
      const status = raw.status();
      expect(status.term).toBe(9 as never);
      expect(status.role).toBe("follower");
      expect(status.leaderId).toBe(higher.leaderId as never);
      // The new term is persisted, and with it the vote is reset (or given to the candidate).
      const hardState = readies[0]?.hardState;
      expect(hardState?.term).toBe(9 as never);
      expect([0, 2]).toContain(status.vote);
    },
  );

  test.each(ROLES)("%s answers AppendEntries of a higher term with the new term (§5.1)", (role) => {
    const raw = nodeAtTerm3(role);
    const { messages } = deliver(
      raw,
      appendEntries({ from: 2, to: 1, term: 9, prevLogIndex: 1, prevLogTerm: 1 }),
    );
    const responses = ofType(messages, "AppendEntriesResponse");
    expect(responses).toHaveLength(1);
    expect(responses[0]?.term).toBe(9 as never);
    expect(responses[0]?.success).toBe(true);
  });

  test.each(ROLES)("%s does not grant a RequestVote from an older term (§5.1)", (role) => {
    const raw = nodeAtTerm3(role);
    const before = raw.status();
    const { messages } = deliver(
      raw,
      requestVote({ from: 2, to: 1, term: 2, lastLogIndex: 5, lastLogTerm: 2 }),
    );
    expect(ofType(messages, "RequestVoteResponse").filter((m) => m.voteGranted)).toEqual([]);
    expect(raw.status().term).toBe(before.term);
    expect(raw.status().vote).toBe(before.vote);
    expect(raw.status().role).toBe(role);
  });

  test.each(ROLES)("%s does not accept entries from a leader of an older term (§5.1)", (role) => {
    const raw = nodeAtTerm3(role);
    const before = raw.status();
    const { messages } = deliver(
      raw,
      appendEntries({
        from: 2,
        to: 1,
        term: 2,
        prevLogIndex: 1,
        prevLogTerm: 1,
        entries: entries(2, [2, 2]),
        leaderCommit: 3,
      }),
    );
    expect(logTerms(raw)).toEqual(role === "leader" ? [1, 4] : [1]);
    expect(raw.status().commit).toBe(before.commit);
    expect(raw.status().role).toBe(role);
    expect(raw.status().leaderId).toBe(before.leaderId);
    expect(ofType(messages, "AppendEntriesResponse").filter((m) => m.success)).toEqual([]);
  });

  test("candidate does not count a granted vote from an older term (§5.1)", () => {
    const raw = nodeAtTerm3("candidate");
    expect(raw.status().term).toBe(4 as never);
    deliver(raw, voteResponse({ from: 2, to: 1, term: 3, granted: true }));
    expect(raw.status().role).toBe("candidate");
    deliver(raw, voteResponse({ from: 2, to: 1, term: 4, granted: true }));
    expect(raw.status().role).toBe("leader");
  });

  test("leader ignores an acknowledgement from an older term (§5.1)", () => {
    const raw = nodeAtTerm3("leader");
    const commit = raw.status().commit;
    // An ack of the new leader's no-op (index 2), but sent in term 3: it proves nothing now.
    deliver(raw, appendResponse({ from: 2, to: 1, term: 3, index: 2 }));
    expect(raw.status().commit).toBe(commit);
    deliver(raw, appendResponse({ from: 2, to: 1, term: 4, index: 2 }));
    expect(raw.status().commit).toBe(2 as never);
  });

  test("follower answers a stale AppendEntries with its term when check-quorum is on (§5.1)", () => {
    const raw = newNode({
      id: 1,
      voters: [1, 2, 3],
      logTerms: [1],
      term: 3,
      commit: 1,
      config: { checkQuorum: true },
    });
    drain(raw);
    const { messages } = deliver(
      raw,
      appendEntries({ from: 2, to: 1, term: 2, prevLogIndex: 1, prevLogTerm: 1 }),
    );
    const responses = ofType(messages, "AppendEntriesResponse");
    expect<unknown>(responses.map((m) => [m.to, m.term, m.success])).toEqual([[2, 3, false]]);
    expect(raw.status().leaderId).toBe(NONE);
  });

  test("a stale leader steps down when a follower answers with a newer term (§5.1)", () => {
    // 1. Node 2 leads term 2. 2. Node 1 has moved on to term 3. 3. Node 2's heartbeat reaches
    // node 1, whose answer carries term 3; node 2 must adopt it and stop leading.
    const stale = newNode({ id: 2, voters: [1, 2, 3], logTerms: [1], term: 1, commit: 1 });
    electLeader(stale, [3]);
    expect(stale.status().term).toBe(2 as never);
    const follower = newNode({
      id: 1,
      voters: [1, 2, 3],
      logTerms: [1],
      term: 3,
      commit: 1,
      config: { preVote: true },
    });
    drain(follower);
    const { messages } = deliver(follower, heartbeat({ from: 2, to: 1, term: 2 }));
    for (const message of messages) deliver(stale, message);
    expect(stale.status().role).toBe("follower");
    expect(stale.status().term).toBe(3 as never);
  });
});
