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

/**
 * `failing`: how long deliveries to each peer have failed, when the watch is told (0: they
 * arrive); `refusals`: why a peer refused them, for those that did.
 */
function fixture(failing?: Map<NodeId, number>, refusals = new Map<NodeId, string>()) {
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
    ...(failing === undefined
      ? {}
      : {
          senders: {
            failingMs: (peer: NodeId) => failing.get(peer) ?? 0,
            refusalOf: (peer: NodeId) => refusals.get(peer),
          },
        }),
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
      hearsMajority: true,
      isUnreachedByVoters: false,
      isNewReplica: false,
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

  test("a new replica that knows no voters hears no majority, and says what it cannot tell", () => {
    // Placed on a live node after two of a group's three voters died (membership tour,
    // 2026-12-07): it said the group "most likely works without this node".
    const { clock, watch, change } = fixture();
    watch.start();
    change(1, { leaderId: nodeId(0), term: term(0), confState: EMPTY_CONF_STATE });
    clock.advance(11_000);
    const group = watch.leaderless(groupId(1));
    expect(group).toMatchObject({ hearsMajority: false, isNewReplica: true });
    expect(watch.describe(groupId(1))).toBe(
      "Execution cluster 1 has had no leader for 11 s, and this node's replica of it, placed " +
        "here, has heard from none of its members yet: it may have lost its majority " +
        "(raftoral cluster status names its voters), or its leader cannot reach this node",
    );
    watch.stop();
  });

  test("the message names the group and its unreachable voters", () => {
    expect(
      describeLeaderless({
        groupId: groupId(0),
        leaderlessMs: 7_400,
        unreachableVoters: [nodeId(2), nodeId(3)],
        hearsMajority: false,
        isUnreachedByVoters: false,
        isNewReplica: false,
      }),
    ).toBe(
      "The management group has had no leader for 7 s (voters 2, 3 unreachable); it may have lost its majority",
    );
  });

  test("a node that hears a majority of the voters but not the leader says it is the one cut off", () => {
    // A follower behind a 1 Mbit/s link (network tour, 2026-12-07): its leader's heartbeats
    // queue behind large appends, it hears voter 2 but not leader 3, and it used to say that
    // the group "may have lost its majority", which points an operator at `cluster recover`.
    const { clock, watch, change, heard } = fixture();
    watch.start();
    change(1, { leaderId: nodeId(3), ticksSinceLeaderContact: 21 });
    heard.set(nodeId(3), 0);
    clock.advance(6_000);
    heard.set(nodeId(2), clock.nowMs());
    const group = watch.leaderless(groupId(1));
    expect(group?.hearsMajority).toBe(true);
    const said = watch.describe(groupId(1)) ?? "";
    expect(said).toBe(
      "Execution cluster 1 has had no leader that this node hears for 6 s (voter 3 unreachable " +
        "from here), though this node hears a majority of its voters: the group most likely " +
        "works without this node, which is cut off from the leader or behind it on a slow link; " +
        "check the network between them",
    );
    expect(said).not.toContain("lost its majority");
    watch.stop();
  });

  test("a node that hears no majority of the voters, in either half of a joint config, may have lost it", () => {
    const { clock, watch, change, heard } = fixture();
    watch.start();
    const joint = {
      ...EMPTY_CONF_STATE,
      voters: [nodeId(1), nodeId(2)],
      votersOutgoing: [nodeId(1), nodeId(3), nodeId(4)],
    };
    change(1, { leaderId: nodeId(0), confState: joint });
    clock.advance(6_000);
    heard.set(nodeId(2), clock.nowMs());
    // {1, 2} of the incoming config, but only 1 of the outgoing {1, 3, 4}.
    expect(watch.leaderless(groupId(1))?.hearsMajority).toBe(false);
    expect(watch.describe(groupId(1))).toContain("it may have lost its majority");
    heard.set(nodeId(3), clock.nowMs());
    expect(watch.leaderless(groupId(1))?.hearsMajority).toBe(true);
    watch.stop();
  });

  test("a node that hears none of its voters, whose messages to them arrive, says they cannot reach it", () => {
    // Inbound traffic blocked (a firewall in front of the node, an advertised address that is
    // not its own): it used to say only that the group "may have lost its majority".
    const failing = new Map<NodeId, number>();
    const { clock, watch, change } = fixture(failing);
    watch.start();
    const voters = { ...EMPTY_CONF_STATE, voters: [nodeId(1), nodeId(2), nodeId(3)] };
    change(1, { leaderId: nodeId(0), confState: voters });
    clock.advance(6_000);
    expect(watch.leaderless(groupId(1))?.isUnreachedByVoters).toBe(true);
    expect(watch.describe(groupId(1))).toBe(
      "Execution cluster 1 has had no leader for 6 s: this node hears none of its voters (2, 3), " +
        "though its own messages to them arrive, so they are up and cannot reach this node; " +
        "check for a firewall in front of it and that the address it advertises (--advertise, " +
        "else --listen) is one they can connect to",
    );
    // Deliveries to one of them fail: it may be down, and the group may have lost its majority.
    failing.set(nodeId(3), 4_000);
    expect(watch.leaderless(groupId(1))?.isUnreachedByVoters).toBe(false);
    expect(watch.describe(groupId(1))).toContain("it may have lost its majority");
    watch.stop();
  });

  test("voters that refuse this node's messages are named with their reason", () => {
    // A member restarted with another cluster secret: it used to say only "voters 2, 3
    // unreachable; it may have lost its majority", and its health that it was checking in.
    const failing = new Map<NodeId, number>([
      [nodeId(2), 6_000],
      [nodeId(3), 6_000],
    ]);
    const proof = "refused: the cluster secret proof (x-raftoral-peer) is wrong";
    const refusals = new Map<NodeId, string>([
      [nodeId(2), proof],
      [nodeId(3), proof],
    ]);
    const { clock, watch, change } = fixture(failing, refusals);
    watch.start();
    const voters = { ...EMPTY_CONF_STATE, voters: [nodeId(1), nodeId(2), nodeId(3)] };
    change(0, { leaderId: nodeId(0), confState: voters });
    clock.advance(6_000);
    expect(watch.describe(groupId(0))).toBe(
      `The management group has had no leader for 6 s: voters 2, 3 refuse this node's messages (${proof})`,
    );
    watch.stop();
  });
});
