// The leader's (and candidate's) view of the group: membership, per-member Progress and the
// votes of the current election. Pure: no I/O, no timers, no await.

import { assert, type LogIndex, type NodeId } from "../lib/index.ts";
import { type Membership, membersOf } from "./membership.ts";
import { Progress, type ProgressLimits } from "./progress.ts";
import { allVoters, jointCommittedIndex, jointVoteResult, type VoteResult } from "./quorum.ts";

export class ProgressTracker {
  membership: Membership;
  readonly progress = new Map<NodeId, Progress>();
  readonly votes = new Map<NodeId, boolean>();

  constructor(
    membership: Membership,
    private readonly limits: ProgressLimits,
  ) {
    this.membership = membership;
  }

  /**
   * Switches to `membership`, keeping the Progress of members that stay and creating
   * fresh ones (probing from `nextIndex`) for new members.
   */
  setMembership(membership: Membership, nextIndex: LogIndex, tick: number): void {
    this.membership = membership;
    const members = membersOf(membership);
    for (const id of [...this.progress.keys()]) {
      if (!members.has(id)) this.progress.delete(id);
    }
    for (const id of members) {
      const isLearner = membership.learners.has(id);
      const existing = this.progress.get(id);
      if (existing === undefined) {
        this.progress.set(id, this.newProgress(nextIndex, isLearner, tick));
      } else {
        existing.isLearner = isLearner;
      }
    }
  }

  /** Resets every Progress for a new term, as a new leader or follower does. */
  resetProgress(nextIndex: LogIndex, tick: number): void {
    for (const [id, progress] of this.progress) {
      this.progress.set(id, this.newProgress(nextIndex, progress.isLearner, tick));
    }
  }

  private newProgress(nextIndex: LogIndex, isLearner: boolean, tick: number): Progress {
    return new Progress({ next: nextIndex, isLearner, lastActiveTick: tick, limits: this.limits });
  }

  isVoter(id: NodeId): boolean {
    return this.membership.voters.incoming.has(id) || this.membership.voters.outgoing.has(id);
  }

  /** Only one voter, and it is `id`: decisions need nobody else. */
  isSingleton(id: NodeId): boolean {
    const voters = allVoters(this.membership.voters);
    return voters.size === 1 && voters.has(id);
  }

  /** §5.3/§5.4.2 and thesis 4.3: the highest index held by a quorum of voters. */
  committedIndex(): number {
    return jointCommittedIndex(this.membership.voters, (id) => this.progress.get(id)?.match);
  }

  resetVotes(): void {
    this.votes.clear();
  }

  /** Records `id`'s vote (the first one counts) and returns the election's outcome. */
  recordVote(id: NodeId, isGranted: boolean): VoteResult {
    if (!this.votes.has(id)) this.votes.set(id, isGranted);
    return jointVoteResult(this.membership.voters, this.votes);
  }

  /** Outcome of a quorum decision where `agrees` says which members agree. */
  quorumOf(agrees: (id: NodeId) => boolean): VoteResult {
    const votes = new Map<NodeId, boolean>();
    for (const id of allVoters(this.membership.voters)) votes.set(id, agrees(id));
    return jointVoteResult(this.membership.voters, votes);
  }

  /** Checks that Progress exists exactly for the members; O(n). */
  checkInvariants(): void {
    const members = membersOf(this.membership);
    assert(members.size === this.progress.size, "tracker invariant: progress per member");
    for (const id of members) {
      const progress = this.progress.get(id);
      assert(progress !== undefined, `tracker invariant: no progress for member ${id}`);
      assert(progress.match < progress.next, `tracker invariant: match < next for ${id}`);
    }
  }
}
