// Issue 15, item 3: a group takes Raft messages and forwarded proposals only from its members,
// each Raft message must come from the batch's sender, a term no election could have reached
// is refused message by message, and a forwarded proposal's answer counts only from the node
// it was forwarded to. One host, group 5 with voters 1, 2, 3; nodes 1-4 are in the cluster.

import { describe, expect, test } from "bun:test";
import {
  createLogger,
  type GroupId,
  groupId,
  logIndex,
  type NodeId,
  nodeId,
  seededRandom,
  type Term,
  term,
} from "../../src/lib/index.ts";
import type { MembershipDirectory } from "../../src/multiraft/index.ts";
import { encodeConfChange, type RaftMessage } from "../../src/raft/index.ts";
import type { PeerMessage } from "../../src/transport/index.ts";
import { flush, loneHost } from "../support/host-cluster.ts";
import { KvStateMachine } from "../support/kv-state-machine.ts";

const GROUP = groupId(5);
const CLUSTER = new Set([1, 2, 3, 4]);
const RECORDED = new Set([1, 2, 3]);
/** Members the records say the cluster removed (as of the test that sets them). */
const REMOVED = new Set<number>();

const directory: MembershipDirectory = {
  isClusterNode: (node) => CLUSTER.has(node),
  isRecordedMember: (group, node) => group === GROUP && RECORDED.has(node),
  isRemoved: (group, node) => group === GROUP && REMOVED.has(node),
};

async function fixture() {
  const lines: string[] = [];
  const sent: { peer: NodeId; message: PeerMessage }[] = [];
  const { host, clock } = loneHost({
    peers: {
      send: (peer, messages) => {
        for (const message of messages) sent.push({ peer, message });
      },
    },
    directory,
    random: seededRandom(3),
    logger: createLogger({ level: "warn", format: "text", write: (line) => lines.push(line) }),
  });
  /** Lets the host run the turns that queued work needs (no time passes for Raft). */
  const turns = async () => {
    for (let k = 0; k < 4; k++) {
      clock.advance(0);
      await flush();
    }
  };
  const created = host.createGroup(
    GROUP,
    { mode: "bootstrap", voters: [nodeId(1), nodeId(2), nodeId(3)] },
    new KvStateMachine(),
  );
  await turns();
  await created;
  const deliver = async (from: number, messages: PeerMessage[]) => {
    host.receive({ from: nodeId(from), to: nodeId(1), messages });
    await turns();
  };
  const status = () => host.inspect(GROUP)?.status();
  /** Node 1 campaigns and node 2 grants its pre-vote (thesis 9.6) and vote for term 2. */
  const elect = async () => {
    host.campaign(GROUP);
    await turns();
    for (const type of ["RequestPreVoteResponse", "RequestVoteResponse"] as const) {
      await deliver(2, [raft({ type, from: nodeId(2), term: term(2), voteGranted: true })]);
    }
    expect(status()?.role).toBe("leader");
  };
  return { clock, lines, sent, host, deliver, status, turns, elect };
}

/** A Raft message of `group` to node 1; fields as the message type wants them. */
function raft(fields: Record<string, unknown>, group: GroupId = GROUP): PeerMessage {
  return {
    type: "raft",
    groupId: group,
    message: { to: nodeId(1), ...fields } as unknown as RaftMessage,
  };
}

const heartbeat = (from: number, at: Term) =>
  raft({
    type: "Heartbeat",
    from: nodeId(from),
    term: at,
    leaderCommit: 0 as never,
    readContext: "",
  });

const hugeVoteAnswer = (from: number) =>
  raft({
    type: "RequestVoteResponse",
    from: nodeId(from),
    term: term(2 ** 52),
    voteGranted: true,
  });

describe("peer authorization", () => {
  test("a non-member's forged term is refused and leaves no trace", async () => {
    const { deliver, status, host, lines } = await fixture();
    const before = status()?.term;
    await deliver(99, [hugeVoteAnswer(99)]);
    expect(status()?.term).toBe(before as Term);
    expect(host.hearing.lastHeardMs(nodeId(99))).toBeUndefined();
    expect(lines.join("\n")).toContain("not a member of the group");
    host.stop();
  });

  test("a member's unreachable term is refused, and the rest of its batch still counts", async () => {
    const { deliver, status, host } = await fixture();
    await deliver(2, [hugeVoteAnswer(2), heartbeat(2, term(4))]);
    expect(status()).toMatchObject({ term: 4, leaderId: 2 });
    expect(host.hearing.lastHeardMs(nodeId(2))).toBeDefined();
    host.stop();
  });

  test("a Raft message that names someone else than the batch's sender is refused", async () => {
    const { deliver, status, host } = await fixture();
    await deliver(99, [heartbeat(2, term(4))]);
    expect(status()).toMatchObject({ term: 1, leaderId: 0 });
    host.stop();
  });

  test("a node of the cluster outside the group is not a member either", async () => {
    const { deliver, status, host } = await fixture();
    await deliver(4, [heartbeat(4, term(4))]);
    expect(status()).toMatchObject({ term: 1, leaderId: 0 });
    host.stop();
  });

  test("a removed node's higher term is refused while the leader is heard, taken after", async () => {
    const { deliver, status, host, lines, clock, turns } = await fixture();
    await deliver(2, [heartbeat(2, term(4))]);
    REMOVED.add(3);
    try {
      // A copy of the group forced on node 3 after the cluster removed it leads at term 7.
      await deliver(3, [heartbeat(3, term(7))]);
      expect(status()).toMatchObject({ term: 4, leaderId: 2 });
      expect(lines.join("\n")).toContain("a removed node's higher term");
      // Node 2 silent for an election timeout: a replica that hears no leader takes it (node 3
      // may have been admitted again and lead now, which this replica's records may not know).
      for (let k = 0; k < 100 && status()?.leaderId === 2; k++) {
        clock.advance(100);
        await turns();
      }
      await deliver(3, [heartbeat(3, term(7))]);
      expect(status()).toMatchObject({ term: 7, leaderId: 3 });
    } finally {
      REMOVED.clear();
      host.stop();
    }
  });

  test("a transfer's vote from a node the records say removed is granted as before", async () => {
    // The lease lets a transfer's RequestVote through; so does the check on removed nodes: the
    // leader hands over to a node admitted again that these records do not know of yet.
    const { deliver, status, host, sent } = await fixture();
    await deliver(2, [heartbeat(2, term(4))]);
    REMOVED.add(3);
    try {
      const vote = { type: "RequestVote", from: nodeId(3), term: term(5), isLeaderTransfer: true };
      await deliver(3, [raft({ ...vote, lastLogIndex: 100, lastLogTerm: 4 })]);
      const granted = sent.some(({ peer, message }) => {
        const answer = message.type === "raft" ? message.message : undefined;
        return peer === 3 && answer?.type === "RequestVoteResponse" && answer.voteGranted;
      });
      expect({ term: status()?.term, granted }).toEqual({ term: term(5), granted: true });
    } finally {
      REMOVED.clear();
      host.stop();
    }
  });

  test("TimeoutNow from a member that does not lead is ignored", async () => {
    const { deliver, status, host } = await fixture();
    await deliver(2, [heartbeat(2, term(4))]);
    await deliver(3, [raft({ type: "TimeoutNow", from: nodeId(3), term: term(4) })]);
    expect(status()).toMatchObject({ role: "follower", term: 4, leaderId: 2 });
    host.stop();
  });

  test("forwards: members are heard, other cluster nodes refused, strangers get nothing", async () => {
    const { deliver, sent, host, elect } = await fixture();
    await elect();
    const forward = (requestId: number) => ({
      type: "forward" as const,
      groupId: GROUP,
      requestId,
      entryType: "normal" as const,
      data: new Uint8Array([1]),
    });
    sent.length = 0;
    const lastIndex = () => host.inspect(GROUP)?.status().lastIndex ?? 0;
    const before = lastIndex();
    await deliver(2, [forward(1)]);
    // The member's command is in the log; accepted, it needs no answer: its node settles it
    // when it applies it.
    expect(lastIndex()).toBe(before + 1);
    await deliver(4, [forward(2)]);
    await deliver(99, [forward(3)]);
    expect(lastIndex()).toBe(before + 1);
    const answers = sent.filter(({ message }) => message.type === "forwardResult");
    expect(answers.map(({ peer, message }) => [peer, message])).toEqual([
      [
        4,
        expect.objectContaining({
          requestId: 2,
          outcome: expect.objectContaining({ accepted: false, reason: "unknown-group" }),
        }),
      ],
    ]);
    host.stop();
  });

  test("a forwarded membership change is answered with where it landed", async () => {
    const { deliver, sent, host, elect } = await fixture();
    await elect();
    // A new leader takes membership changes once an entry of its term is committed.
    const noop = logIndex(host.inspect(GROUP)?.status().lastIndex ?? 0);
    await deliver(2, [
      raft({
        type: "AppendEntriesResponse",
        from: nodeId(2),
        term: term(2),
        incarnation: 0,
        success: true,
        index: noop,
        hintIndex: logIndex(0),
        hintTerm: term(0),
      }),
    ]);
    expect(host.inspect(GROUP)?.status().commit).toBe(noop);
    sent.length = 0;
    const change = encodeConfChange({
      transition: "auto",
      changes: [{ type: "addLearner", nodeId: nodeId(4) }],
      context: new Uint8Array(),
    });
    await deliver(2, [
      { type: "forward", groupId: GROUP, requestId: 9, entryType: "confChange", data: change },
    ]);
    const answers = sent.filter(({ message }) => message.type === "forwardResult");
    expect(answers.map(({ peer, message }) => [peer, message])).toEqual([
      [
        2,
        expect.objectContaining({
          requestId: 9,
          outcome: { accepted: true, index: host.inspect(GROUP)?.status().lastIndex, term: 2 },
        }),
      ],
    ]);
    host.stop();
  });

  test("a forwarded proposal's answer counts only from the node it went to", async () => {
    const { deliver, sent, host, turns } = await fixture();
    await deliver(2, [heartbeat(2, term(4))]);
    let outcome: string | undefined;
    host.propose(GROUP, new Uint8Array([7]), { timeoutMs: 60_000 }).then(
      () => {
        outcome = "applied";
      },
      (error: Error) => {
        outcome = error.message;
      },
    );
    await turns();
    const forwarded = sent.find(({ message }) => message.type === "forward");
    expect(forwarded?.peer).toBe(nodeId(2));
    const requestId = forwarded?.message.type === "forward" ? forwarded.message.requestId : -1;
    const refusal = () => ({
      type: "forwardResult" as const,
      groupId: GROUP,
      requestId,
      outcome: {
        accepted: false as const,
        reason: "invalid-conf-change" as const,
        leaderHint: nodeId(0),
      },
    });
    await deliver(3, [refusal()]);
    expect(outcome).toBeUndefined();
    await deliver(2, [refusal()]);
    expect(outcome).toContain("invalid membership change");
    host.stop();
  });
});
