// Routes an inbound batch by group (the wire's cluster_id): Raft messages to their group,
// forwarded proposals and their answers to the forwarding desk. Every message is authorized
// on its own: a group takes Raft messages and forwards only from its members (see
// membership-directory.ts), a Raft message must name the batch's sender as its own, and a
// term past the reach all nodes share (term-reach.ts) is refused, so forged messages cannot
// wedge a group, and a refused one does not spoil the messages next to it. Messages for a
// group this node does not host get an UnknownGroup reply (to nodes of the cluster only), and
// a rate-limited log line once they keep coming for a while; a heartbeat or an empty append
// among them is kept for a moment, in case the group is about to appear here
// (early-leader-messages.ts).
// Only a sender that an accepted message came from counts as heard from: a stream of made-up
// senders or groups must not leave state behind per sender or per group (the timing of unknown
// groups' traffic is bounded, and starts over past its bound).

import type { Clock, GroupId, Logger, NodeId } from "../lib/index.ts";
import { CommittedEntryLostError, type RaftMessage, type RaftMessageType } from "../raft/index.ts";
import type { PeerBatch, PeerMessage } from "../transport/index.ts";
import { EarlyLeaderMessages } from "./early-leader-messages.ts";
import type { ForwardingDesk } from "./forwarding-desk.ts";
import type { GroupRegistry } from "./group-registry.ts";
import type { LostCommitRenewal } from "./host-options.ts";
import type { HostedGroup } from "./hosted-group.ts";
import type { MembershipDirectory } from "./membership-directory.ts";
import { termReach } from "./term-reach.ts";

const LOG_INTERVAL_MS = 10_000;
/**
 * Messages for a group this node does not host are normal for a moment: a group's leader
 * adds a joining node and writes to it before the node hosts the group. Only traffic that
 * keeps coming this long (each message within this long of the one before) is worth a warning.
 */
const UNKNOWN_GROUP_GRACE_MS = 2_000;
/** Groups whose unknown traffic is timed; past it the record starts over (senders are members). */
const UNKNOWN_GROUPS_TIMED_MAX = 64;

type Refusal =
  | "not a member of the group"
  | "sender mismatch"
  | "term out of reach"
  | "a removed node's higher term"
  | "a removed node's contradicting log";

/**
 * Raft messages a node sends while it hears nobody: a follower that stops hearing its leader
 * asks for votes (and a node's barriers and transfers ask the leader), and those still arrive
 * when only its incoming traffic is lost. They show it runs, not that it takes part: counted
 * alive by them, such a node was never counted silent, and the workflows it owned waited for
 * it for good. Every other message answers one of ours or comes from a leader, which steps
 * down once it hears no majority (check quorum).
 */
const SENT_WHEN_DEAF: ReadonlySet<RaftMessageType> = new Set([
  "RequestVote",
  "RequestPreVote",
  "ReadIndex",
  "TransferLeader",
]);

export class BatchRouter {
  private unknownGroupLoggedMs = Number.NEGATIVE_INFINITY;
  private unknownGroupMessages = 0;
  /** Per group not hosted here: when its messages began coming, and when the last came. */
  private readonly unknownSince = new Map<GroupId, { firstMs: number; lastMs: number }>();
  private misaddressedLoggedMs = Number.NEGATIVE_INFINITY;
  private refusedLoggedMs = Number.NEGATIVE_INFINITY;
  private lostCommitLoggedMs = Number.NEGATIVE_INFINITY;
  private refusedMessages = 0;
  /** Per group, the removed nodes whose copy of it contradicted this replica's log. */
  private readonly contradicting = new Map<GroupId, Set<NodeId>>();
  private readonly early: EarlyLeaderMessages;

  constructor(
    private readonly options: {
      readonly self: NodeId;
      readonly groups: GroupRegistry;
      readonly desk: ForwardingDesk;
      readonly directory: MembershipDirectory;
      readonly clock: Clock;
      readonly logger: Logger;
      readonly reply: (peer: NodeId, message: PeerMessage) => void;
      /**
       * `batch` carried an accepted message: its sender is alive and where it says. With
       * `hearsUs`, one that shows it also hears its peers (see SENT_WHEN_DEAF).
       */
      readonly onHeard: (batch: PeerBatch, hearsUs: boolean) => void;
      /**
       * A node of the cluster sent a batch, if only an empty one (PeerSenders.announce): it is
       * up, and sending to it may resume. Not proof enough for liveness, unlike onHeard.
       */
      readonly onPeerHeard?: (peer: NodeId) => void;
      /** A batch addressed to this node named where its sender listens, accepted or not. */
      readonly onPeerSeenAt?: (address: string) => void;
      /** See MultiRaftHostOptions.lostCommitStop. */
      readonly lostCommitStop?: (
        groupId: GroupId,
        error: Error,
        leader: NodeId,
      ) => Error | undefined;
      /** See MultiRaftHostOptions.lostCommitRenew. */
      readonly lostCommitRenew?: (groupId: GroupId, leader: NodeId) => LostCommitRenewal;
    },
  ) {
    this.early = new EarlyLeaderMessages(options.clock);
  }

  /** Heartbeats for `groupId` that came before it was hosted here, to route now that it is. */
  takeEarly(groupId: GroupId): PeerBatch[] {
    return this.early.take(groupId);
  }

  route(batch: PeerBatch): void {
    const { self, groups, desk, logger } = this.options;
    if (batch.to !== self) {
      this.logMisaddressed(batch);
      return;
    }
    if (batch.fromAddress !== undefined) this.options.onPeerSeenAt?.(batch.fromAddress);
    const unknown = new Set<GroupId>();
    // One reading of the clock for the whole batch.
    const termMax = termReach(this.options.clock.wallMs());
    let isHeard = false;
    let hearsUs = false;
    for (const message of batch.messages) {
      const group = groups.get(message.groupId);
      switch (message.type) {
        case "raft": {
          // Not hosted here: nothing to protect, only an answer for nodes of the cluster.
          if (group === undefined) {
            unknown.add(message.groupId);
            if (this.options.directory.isClusterNode(batch.from)) {
              this.early.keep(batch, message.groupId, message);
            }
            break;
          }
          const refusal = this.checkRaft(batch.from, message, group, termMax);
          if (refusal !== undefined) this.refuse(batch.from, message.groupId, refusal);
          else {
            this.step(group, batch.from, message.message);
            isHeard = true;
            hearsUs ||= !SENT_WHEN_DEAF.has(message.message.type);
          }
          break;
        }
        case "forward":
          if (this.isFromMember(batch.from, message.groupId, group)) {
            desk.handleForward(batch.from, message, group);
            isHeard ||= group !== undefined;
          } else {
            this.refuse(batch.from, message.groupId, "not a member of the group");
            // A node of the cluster is told, so that it stops waiting; others get nothing.
            if (this.options.directory.isClusterNode(batch.from))
              desk.handleForward(batch.from, message, undefined);
          }
          break;
        case "forwardResult":
          desk.handleForwardResult(batch.from, message, group);
          break;
        case "unknownGroup":
          logger.debug("Peer does not host a group", { peer: batch.from, group: message.groupId });
          break;
      }
    }
    if (isHeard) this.options.onHeard(batch, hearsUs);
    if (!this.options.directory.isClusterNode(batch.from)) return;
    if (batch.messages.length === 0) this.announced(batch.from);
    for (const groupId of unknown) {
      this.logUnknownGroup(batch.from, groupId);
      this.options.reply(batch.from, { type: "unknownGroup", groupId });
    }
  }

  /**
   * A node of the cluster sent an empty batch: it is back (PeerSenders.announce). Sending to
   * it may resume, and each group led here heartbeats it now (RawNode.heartbeatTo), so that it
   * learns its leaders at once rather than at their next heartbeat, up to an interval later.
   */
  private announced(peer: NodeId): void {
    this.options.onPeerHeard?.(peer);
    for (const group of this.options.groups.values()) group.raw.heartbeatTo(peer);
  }

  /** Term 0 marks a forwarded request (ReadIndex, TransferLeader): always within reach. */
  private checkRaft(
    from: NodeId,
    { groupId, message }: Extract<PeerMessage, { type: "raft" }>,
    group: HostedGroup,
    termMax: number,
  ): Refusal | undefined {
    if (message.from !== from || message.to !== this.options.self) return "sender mismatch";
    if (!this.isFromMember(from, groupId, group)) return "not a member of the group";
    if (message.term > termMax) return "term out of reach";
    return this.checkRemoved(from, groupId, message, group);
  }

  /**
   * Only a copy of the group forced on a node the cluster removed (a recovery run there) sends
   * a higher term from it, but for a transfer's vote: taken, it unseats the leader this replica
   * hears, and its log contradicts what the group committed since (lost-commit.ts). One whose
   * log did contradict this replica's is refused for good: else its heartbeats would hold this
   * replica as its follower, out of the group's elections. While this replica hears no leader,
   * a higher term is taken: a node admitted again may lead, its records not caught up yet.
   */
  private checkRemoved(
    from: NodeId,
    groupId: GroupId,
    message: RaftMessage,
    group: HostedGroup,
  ): Refusal | undefined {
    const isContradicting = this.contradicting.get(groupId)?.has(from) === true;
    const isHigher = message.term > group.raw.currentTerm();
    if (!isContradicting && !isHigher) return undefined;
    if (!this.options.directory.isRemoved(groupId, from)) return undefined;
    if (isContradicting) return "a removed node's contradicting log";
    const isTransferVote = message.type === "RequestVote" && message.isLeaderTransfer;
    return group.raw.hearsLeader() && !isTransferVote ? "a removed node's higher term" : undefined;
  }

  private isFromMember(from: NodeId, groupId: GroupId, group: HostedGroup | undefined): boolean {
    return (
      group?.raw.isMember(from) === true || this.options.directory.isRecordedMember(groupId, from)
    );
  }

  /**
   * Steps `message` in `group`. One from a leader without entries this node committed
   * (lost-commit.ts) is dropped: the replica takes nothing from that leader and says so, an
   * error line per interval, while the node goes on serving its other groups, unless
   * lostCommitStop says to stop, or lostCommitRenew that the replica gives way to an empty one.
   */
  private step(group: HostedGroup, from: NodeId, message: RaftMessage): void {
    try {
      group.raw.step(message);
    } catch (error) {
      if (!(error instanceof CommittedEntryLostError)) throw error;
      const stop = this.options.lostCommitStop?.(group.id, error, from);
      if (stop !== undefined) throw stop;
      if (this.options.directory.isRemoved(group.id, from)) {
        const nodes = this.contradicting.get(group.id) ?? new Set<NodeId>();
        this.contradicting.set(group.id, nodes.add(from));
      }
      const renewal = this.options.lostCommitRenew?.(group.id, from);
      if (renewal?.isRenewed === true) return;
      const now = this.options.clock.nowMs();
      if (now - this.lostCommitLoggedMs < LOG_INTERVAL_MS) return;
      this.lostCommitLoggedMs = now;
      this.options.logger.error(`Group ${group.id} takes nothing from its leader`, {
        leader: from,
        error: error.message,
        ...(renewal === undefined ? {} : { not_renewed: renewal.reason }),
      });
    }
  }

  /** One line per interval, counting what it stands for: a peer may send for a long time. */
  private refuse(peer: NodeId, groupId: GroupId, refusal: Refusal): void {
    this.refusedMessages++;
    const now = this.options.clock.nowMs();
    if (now - this.refusedLoggedMs < LOG_INTERVAL_MS) return;
    this.refusedLoggedMs = now;
    this.options.logger.warn("Refusing peer messages", {
      peer,
      group: groupId,
      reason: refusal,
      refused_total: this.refusedMessages,
    });
  }

  private logUnknownGroup(peer: NodeId, groupId: GroupId): void {
    this.unknownGroupMessages++;
    const now = this.options.clock.nowMs();
    const seen = this.unknownSince.get(groupId);
    if (seen === undefined || now - seen.lastMs > UNKNOWN_GROUP_GRACE_MS) {
      if (this.unknownSince.size >= UNKNOWN_GROUPS_TIMED_MAX) this.unknownSince.clear();
      this.unknownSince.set(groupId, { firstMs: now, lastMs: now });
      return;
    }
    seen.lastMs = now;
    if (now - seen.firstMs < UNKNOWN_GROUP_GRACE_MS) return;
    if (now - this.unknownGroupLoggedMs < LOG_INTERVAL_MS) return;
    this.unknownGroupLoggedMs = now;
    this.options.logger.warn("Ignoring messages for a group this node does not host", {
      peer,
      group: groupId,
      ignored_total: this.unknownGroupMessages,
    });
  }

  private logMisaddressed(batch: PeerBatch): void {
    const now = this.options.clock.nowMs();
    if (now - this.misaddressedLoggedMs < LOG_INTERVAL_MS) return;
    this.misaddressedLoggedMs = now;
    this.options.logger.warn("Dropping a batch addressed to another node", {
      from: batch.from,
      to: batch.to,
      self: this.options.self,
    });
  }
}
