// What a MultiRaftHost is built from (storage, peers, clock, callbacks) and the read-only
// view of a group it offers observers.

import type { Clock, GroupId, Logger, MetricsRegistry, NodeId, Random } from "../lib/index.ts";
import type { RawNode } from "../raft/index.ts";
import type { LogStorage } from "../storage/index.ts";
import type { PeerMessage } from "../transport/index.ts";
import type { HostConfig } from "./host-config.ts";
import type { MembershipDirectory } from "./membership-directory.ts";

/** Where the host sends messages for peers (PeerSenders in production). */
export interface PeerSink {
  send(peer: NodeId, messages: readonly PeerMessage[]): void;
}

export interface MultiRaftHostOptions {
  readonly nodeId: NodeId;
  readonly storage: LogStorage;
  readonly peers: PeerSink;
  /** Who may speak for which group, besides each group's own configuration. */
  readonly directory: MembershipDirectory;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly config: HostConfig;
  /** Where the host's metrics go (see host-metrics.ts); a private registry if absent. */
  readonly metrics?: MetricsRegistry;
  /** A peer whose batch was accepted told where it listens (PeerBatch.fromAddress). */
  readonly onPeerAddress?: (peer: NodeId, address: string) => void;
  /**
   * Any peer told where it listens, its batch accepted or not (a node this one does not know
   * of yet, or a group's member this node was removed from).
   */
  readonly onPeerSeenAt?: (address: string) => void;
  /** A member's batch was accepted: that peer is up (so sending to it need not back off). */
  readonly onPeerHeard?: (peer: NodeId) => void;
  /** The host hit an error it cannot continue after (storage failure, broken invariant). */
  readonly onFatal: (error: Error) => void;
  /**
   * `leader` of `groupId` contradicts an entry this node committed (raft/lost-commit.ts). Its
   * messages are dropped, and the host goes on, unless this gives the error to stop with.
   */
  readonly lostCommitStop?: (groupId: GroupId, error: Error, leader: NodeId) => Error | undefined;
  /**
   * Asked next, when lostCommitStop gave no error: whether this node's replica of `groupId`
   * gives way to an empty one (the caller drops it; `leader`'s messages are dropped meanwhile,
   * without the error line), or why not (said in the error line). Asked again at each message
   * the replica refuses: the answer may change as the node's records catch up.
   */
  readonly lostCommitRenew?: (groupId: GroupId, leader: NodeId) => LostCommitRenewal;
}

/** See MultiRaftHostOptions.lostCommitRenew. */
export type LostCommitRenewal =
  | { readonly isRenewed: true }
  | { readonly isRenewed: false; readonly reason: string };

/** What observers may ask a group's Raft node; never changes it. */
export type GroupInspector = Pick<
  RawNode,
  | "status"
  | "leaderId"
  | "unappliedCommits"
  | "hasHeardGroupCommit"
  | "currentTerm"
  | "matchOf"
  | "isRecentlyActive"
  | "hasAnsweredRecently"
  | "isChangingMembership"
  | "termAt"
>;

export interface ProposeOptions {
  readonly timeoutMs?: number;
}
