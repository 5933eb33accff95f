// Safety checkers for the Raft simulator. They watch from outside the nodes and fail the run
// at the first violation of: Election Safety (one leader per term), State Machine Safety
// (committed entries never change; all nodes apply the same entries and reach the same
// states), Log Matching, Leader Completeness, and durability before acknowledgement or before
// a commit is announced.

import type { NodeId } from "../../src/lib/index.ts";
import type { Entry, RaftMessage, Ready, Snapshot } from "../../src/raft/index.ts";
import type { SimDisk } from "./sim-disk.ts";

export class SimulationFailure extends Error {
  override readonly name = "SimulationFailure";
}

interface CommittedEntry {
  readonly term: number;
  readonly digest: string;
  /** An upper bound of the term in which it was committed: the observer's term. */
  committedInTerm: number;
}

const decoder = new TextDecoder();

function digestOf(entry: Entry): string {
  return `${entry.type}:${decoder.decode(entry.data)}`;
}

export class RaftChecker {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  private readonly committed = new Map<number, CommittedEntry>();
  private readonly stateAfter = new Map<number, string>();
  private readonly lastApplied = new Map<NodeId, number>();
  private readonly lastCheckedCommit = new Map<NodeId, number>();
  checks = 0;

  private fail(message: string): never {
    throw new SimulationFailure(message);
  }

  /** Election Safety (§5.2): at most one leader per term. */
  observeLeader(node: NodeId, term: number): void {
    const existing = this.leaderOfTerm.get(term);
    if (existing !== undefined && existing !== node) {
      this.fail(`two leaders in term ${term}: nodes ${existing} and ${node}`);
    }
    this.leaderOfTerm.set(term, node);
  }

  onRestart(node: NodeId, snapshotIndex: number): void {
    this.lastApplied.set(node, snapshotIndex);
    this.lastCheckedCommit.set(node, 0);
  }

  /** After a Ready is persisted: committed entries must match what was committed before. */
  onPersisted(node: NodeId, ready: Ready, disk: SimDisk): void {
    const commit = disk.current.hardState.commit;
    const from = (this.lastCheckedCommit.get(node) ?? 0) + 1;
    for (let index = from; index <= commit; index++) {
      const entry = disk.entry(index);
      if (entry !== undefined) {
        this.recordCommitted(node, entry, "commit", disk.current.hardState.term);
      }
    }
    this.lastCheckedCommit.set(node, Math.max(commit, from - 1));
    if (ready.softState?.role === "leader") {
      this.checkLeaderCompleteness(node, disk, disk.current.hardState.term);
    }
  }

  private recordCommitted(node: NodeId, entry: Entry, how: string, observerTerm: number): void {
    this.checks++;
    const digest = digestOf(entry);
    const known = this.committed.get(entry.index);
    if (known === undefined) {
      this.committed.set(entry.index, { term: entry.term, digest, committedInTerm: observerTerm });
    } else if (known.term !== entry.term || known.digest !== digest) {
      this.fail(
        `committed entry ${entry.index} changed (${how} on node ${node}): ` +
          `was term ${known.term} '${known.digest}', now term ${entry.term} '${digest}'`,
      );
    } else {
      known.committedInTerm = Math.min(known.committedInTerm, observerTerm);
    }
  }

  /** §5.4.3 Leader Completeness: a leader of term T holds every entry committed before T. */
  private checkLeaderCompleteness(node: NodeId, disk: SimDisk, leaderTerm: number): void {
    const compactedThrough = (disk.current.entries[0]?.index ?? disk.lastIndex() + 1) - 1;
    for (const [index, known] of this.committed) {
      if (index <= compactedThrough || known.committedInTerm >= leaderTerm) continue;
      const entry = disk.entry(index);
      if (entry === undefined || entry.term !== known.term || digestOf(entry) !== known.digest) {
        this.fail(`leader ${node} lacks committed entry ${index} (term ${known.term})`);
      }
    }
  }

  /** Every node applies the same entries in order and reaches the same states. */
  onApplied(node: NodeId, entry: Entry, stateDigest: string, observerTerm: number): void {
    const expected = (this.lastApplied.get(node) ?? 0) + 1;
    if (entry.index !== expected) {
      this.fail(`node ${node} applied entry ${entry.index}, expected ${expected}`);
    }
    this.lastApplied.set(node, entry.index);
    this.recordCommitted(node, entry, "apply", observerTerm);
    this.recordState(node, entry.index, stateDigest);
  }

  onSnapshotRestored(node: NodeId, snapshot: Snapshot, stateDigest: string): void {
    const { index, term } = snapshot.metadata;
    const known = this.committed.get(index);
    if (known !== undefined && known.term !== term) {
      this.fail(
        `node ${node} restored a snapshot at ${index} of term ${term}, committed ${known.term}`,
      );
    }
    this.lastApplied.set(node, index);
    this.recordState(node, index, stateDigest);
  }

  private recordState(node: NodeId, index: number, digest: string): void {
    const known = this.stateAfter.get(index);
    if (known === undefined) this.stateAfter.set(index, digest);
    else if (known !== digest) this.fail(`node ${node} has a different state after entry ${index}`);
  }

  /** Thesis 3.8: a vote or an ack leaves only once the state it promises is durable. */
  onMessageSent(node: NodeId, message: RaftMessage, disk: SimDisk): void {
    const synced = disk.synced;
    if (message.type === "RequestVoteResponse" && message.voteGranted) {
      if (synced.hardState.term < message.term) {
        this.fail(`node ${node} granted a vote in term ${message.term} before persisting the term`);
      }
      if (synced.hardState.term === message.term && synced.hardState.vote !== message.to) {
        this.fail(`node ${node} granted a vote to ${message.to} before persisting it`);
      }
    }
    // An ack leaves after its Ready's write, and that Ready may have moved the node to a newer
    // term and let the newer leader's entries replace the ones the ack vouches for, persisted
    // or not yet. Such an ack, of a term the node left, is harmless: the newer leader was
    // elected without this node's vote, so the old one cannot count it into a majority for
    // entries the newer one lacks (Raft seeds 5506, 82955). An ack of the node's term is checked.
    if (message.type === "AppendEntriesResponse" && message.success) {
      const isOfItsTerm = message.term === synced.hardState.term;
      if (isOfItsTerm && disk.lastIndex(synced) < message.index) {
        this.fail(`node ${node} acknowledged index ${message.index} before persisting it`);
      }
    }
    // Thesis 10.2.1 lets these leave before the leader's write; the commit they carry must
    // not rest on that write, or a crash would lose an entry a follower already applied.
    if (message.type === "AppendEntries" || message.type === "Heartbeat") {
      if (disk.lastIndex(synced) < message.leaderCommit) {
        this.fail(
          `leader ${node} announced commit ${message.leaderCommit} before persisting its log there`,
        );
      }
    }
  }

  /** §5.3 Log Matching: same index and term means identical logs up to there. */
  checkLogMatching(disks: ReadonlyMap<NodeId, SimDisk>): void {
    const nodes = [...disks.entries()];
    for (let a = 0; a < nodes.length; a++) {
      for (let b = a + 1; b < nodes.length; b++) {
        const [idA, diskA] = nodes[a] as [NodeId, SimDisk];
        const [idB, diskB] = nodes[b] as [NodeId, SimDisk];
        this.compareLogs(idA, diskA, idB, diskB);
      }
    }
  }

  private compareLogs(idA: NodeId, diskA: SimDisk, idB: NodeId, diskB: SimDisk): void {
    const top = Math.min(diskA.lastIndex(), diskB.lastIndex());
    let isMatched = false;
    for (let index = top; index > 0; index--) {
      const entryA = diskA.entry(index);
      const entryB = diskB.entry(index);
      if (entryA === undefined || entryB === undefined) break;
      this.checks++;
      if (!isMatched && entryA.term === entryB.term) isMatched = true;
      if (isMatched && (entryA.term !== entryB.term || digestOf(entryA) !== digestOf(entryB))) {
        this.fail(`logs of nodes ${idA} and ${idB} match at a later index but differ at ${index}`);
      }
    }
  }
}
