import { describe, expect, test } from "bun:test";
import {
  createLogger,
  type GroupId,
  groupId,
  logIndex,
  type NodeId,
  nodeId,
  term,
  VirtualClock,
} from "../lib/index.ts";
import { EMPTY_CONF_STATE, type RaftStatus } from "../raft/index.ts";
import { describeLeaderless, LeaderWatch, type WatchedHost } from "./leader-watch.ts";

function statusOf(fields: Partial<RaftStatus>): RaftStatus {
  return {
    id: nodeId(1),
    term: term(3),
    vote: nodeId(0),
    role: "follower",
    leaderId: nodeId(2),
    commit: logIndex(5),
    applied: logIndex(5),
    lastIndex: logIndex(5),
    confState: { ...EMPTY_CONF_STATE, voters: [nodeId(1), nodeId(2), nodeId(3)] },
    appliedConfState: EMPTY_CONF_STATE,
    leadTransferee: nodeId(0),
    ticksSinceLeaderContact: 0,
    ...fields,
  };
}

function fixture() {
  const clock = new VirtualClock();
  const lines: string[] = [];
  const statuses = new Map<GroupId, RaftStatus>([
    [groupId(0), statusOf({})],
    [groupId(1), statusOf({})],
  ]);
  const heard = new Map<NodeId, number>();
  const listeners = new Set<(id: GroupId) => void>();
  const host: WatchedHost = {
    groupIds: () => [...statuses.keys()],
    inspect: (id) => {
      const status = statuses.get(id);
      return status === undefined ? undefined : { status: () => status };
    },
    hearing: { lastHeardMs: (peer) => heard.get(peer) },
    onGroupChanged: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const members = new Set<GroupId>([groupId(0), groupId(1)]);
  const watch = new LeaderWatch({
    host,
    self: nodeId(1),
    clock,
    logger: createLogger({ level: "info", format: "text", write: (line) => lines.push(line) }),
    thresholdMs: 5_000,
    leaderContactTicksMax: 20,
    warnIntervalMs: 30_000,
    isMember: (id) => members.has(id),
  });
  const change = (id: number, fields: Partial<RaftStatus>) => {
    statuses.set(groupId(id), statusOf(fields));
    for (const listener of listeners) listener(groupId(id));
  };
  return { clock, lines, watch, change, heard, members };
}

describe("leader watch", () => {
  test("taking the lead is logged once per term", () => {
    const { lines, watch, change } = fixture();
    watch.start();
    change(1, { role: "leader", leaderId: nodeId(1), term: term(4) });
    change(1, { role: "leader", leaderId: nodeId(1), term: term(4) });
    change(0, { role: "leader", leaderId: nodeId(1), term: term(2) });
    change(1, { role: "follower", leaderId: nodeId(2), term: term(5) });
    change(1, { role: "leader", leaderId: nodeId(1), term: term(6) });
    expect(lines.filter((line) => line.includes("now leads"))).toEqual([
      "INFO This node now leads execution cluster 1, group: 1, term: 4",
      "INFO This node now leads the management group, group: 0, term: 2",
      "INFO This node now leads execution cluster 1, group: 1, term: 6",
    ]);
    watch.stop();
  });

  test("a group without a leader past the threshold is reported once per interval, then cleared", () => {
    const { clock, lines, watch, change, heard } = fixture();
    watch.start();
    const reported: GroupId[] = [];
    watch.onLeaderless((group) => reported.push(group.groupId));
    change(1, { leaderId: nodeId(0), role: "preCandidate" });
    heard.set(nodeId(2), 0);
    clock.advance(4_000);
    expect(watch.leaderless(groupId(1))).toBeUndefined();
    heard.set(nodeId(2), clock.nowMs());
    clock.advance(2_000);
    expect(watch.leaderless(groupId(1))).toEqual({
      groupId: groupId(1),
      leaderlessMs: 6_000,
      unreachableVoters: [nodeId(3)],
    });
    clock.advance(250);
    expect(reported).toEqual([groupId(1)]);
    clock.advance(20_000);
    expect(reported).toEqual([groupId(1)]);
    expect(lines.filter((line) => line.includes("no leader"))).toHaveLength(1);
    change(1, { leaderId: nodeId(2) });
    expect(watch.leaderless(groupId(1))).toBeUndefined();
    expect(lines.at(-1)).toContain("Execution cluster 1 has a leader again after 26 s");
    watch.stop();
  });

  test("a learner still naming a leader it no longer hears from counts as leaderless", () => {
    const { clock, watch, change } = fixture();
    watch.start();
    change(1, { leaderId: nodeId(2), ticksSinceLeaderContact: 21 });
    clock.advance(5_001);
    expect(watch.leaderless(groupId(1))?.leaderlessMs).toBe(5_001);
    watch.stop();
  });

  test("a replica this node only keeps until its deletion is never reported", () => {
    const { clock, watch, change, members } = fixture();
    members.delete(groupId(1));
    change(1, { leaderId: nodeId(0) });
    clock.advance(60_000);
    expect(watch.allLeaderless()).toEqual([]);
  });

  test("the message names the group and its unreachable voters", () => {
    expect(
      describeLeaderless({
        groupId: groupId(0),
        leaderlessMs: 7_400,
        unreachableVoters: [nodeId(2), nodeId(3)],
      }),
    ).toBe(
      "The management group has had no leader for 7 s (voters 2, 3 unreachable); it may have lost its majority",
    );
  });
});
