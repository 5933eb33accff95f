// Operator recovery of a group that lost its majority (RawNode.forceSoleVoter): outside Raft's
// rules on purpose, so the rules it keeps are spelled out here. The survivor leads a new term
// alone, commits its whole log (committed or not), and its configuration, as every replica that
// later receives its log will apply it, is itself as the only voter.

import { describe, expect, test } from "bun:test";
import { decodeConfChange } from "../../src/raft/index.ts";
import { deliver, drain, newNode, proposeText, tickTimes } from "../paper/fixture.ts";

describe("forceSoleVoter", () => {
  test("a follower of a dead majority leads alone and commits its whole log", () => {
    // Voters 1, 2, 3; node 3 holds entries 1-5, knows 1-3 committed; 1 and 2 are gone.
    const raw = newNode({ id: 3, voters: [1, 2, 3], logTerms: [1, 1, 2, 2, 2], commit: 3 });
    drain(raw);
    tickTimes(raw, 50);
    expect(raw.status().role).not.toBe("leader");
    expect(raw.forceSoleVoter()).toEqual({ ok: true });
    const { readies } = drain(raw);
    const status = raw.status();
    expect(status).toMatchObject({ role: "leader", leaderId: 3, commit: 7, applied: 7 });
    expect(status.term).toBeGreaterThan(2);
    expect(status.confState).toMatchObject({ voters: [3], learners: [], votersOutgoing: [] });
    const applied = readies.flatMap((ready) => ready.committedEntries);
    expect(applied.map((entry) => Number(entry.index))).toEqual([4, 5, 6, 7]);
    const forced = applied.at(-1);
    expect(forced?.type).toBe("confChange");
    expect(decodeConfChange(forced?.data ?? new Uint8Array())?.transition).toBe("force");
    // It goes on alone: a new proposal commits without anyone else.
    proposeText(raw, "after");
    drain(raw);
    expect(Number(raw.status().commit)).toBe(8);
  });

  test("a replica that later receives the forced entry takes the same configuration", () => {
    const survivor = newNode({ id: 3, voters: [1, 2, 3], logTerms: [1, 1], commit: 2 });
    drain(survivor);
    survivor.forceSoleVoter();
    const log = drain(survivor).readies.flatMap((ready) => ready.entries);
    const follower = newNode({ id: 2, voters: [1, 2, 3], logTerms: [1, 1], commit: 2 });
    drain(follower);
    const term = survivor.status().term;
    deliver(follower, {
      type: "AppendEntries",
      from: 3 as never,
      to: 2 as never,
      term,
      prevLogIndex: 2 as never,
      prevLogTerm: 1 as never,
      entries: log,
      leaderCommit: survivor.status().commit,
    });
    expect(follower.status().confState.voters).toEqual([3] as never);
    expect(follower.status().applied).toBe(survivor.status().commit);
  });

  test("it refuses a replica that leads already or is no member at all", () => {
    const leader = newNode({ id: 1, voters: [1], logTerms: [1], commit: 1 });
    drain(leader);
    leader.campaign();
    drain(leader);
    expect(leader.forceSoleVoter()).toMatchObject({
      ok: false,
      reason: expect.stringContaining("leads"),
    });
    const outsider = newNode({ id: 4, voters: [1, 2, 3], logTerms: [1], commit: 1 });
    expect(outsider.forceSoleVoter()).toMatchObject({
      ok: false,
      reason: expect.stringContaining("not a member"),
    });
  });

  test("a forced configuration is never proposed", () => {
    const raw = newNode({ id: 1, voters: [1], logTerms: [1], commit: 1 });
    drain(raw);
    raw.campaign();
    drain(raw);
    const result = raw.proposeConfChange({
      transition: "force",
      changes: [{ type: "addVoter", nodeId: 1 as never }],
      context: new Uint8Array(),
    });
    expect(result).toMatchObject({ accepted: false, reason: "invalid-conf-change" });
  });
});
