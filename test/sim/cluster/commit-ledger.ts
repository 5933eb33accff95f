// Raft's State Machine Safety over a whole simulated run: every entry a replica durably
// counted as committed is recorded by (group, index), and a replica that later commits another
// entry there (another term) has lost a committed one. A check of the live replicas at one
// moment cannot see this when the replicas that held the first entry were deleted since, or
// the group destroyed; the ledger can, as it follows every synced write of every node.

import type { GroupId, Term } from "../../../src/lib/index.ts";
import type { GroupWrite, MemoryLogStore } from "../../../src/storage/index.ts";

/**
 * What one node's storage holds of a group's log: its commit, and the term at each index
 * above it (the ledger has what is at and below).
 */
interface StoredLog {
  readonly terms: Map<number, Term>;
  commit: number;
}

export class CommitLedger {
  private readonly committed = new Map<GroupId, Map<number, { term: Term; address: string }>>();
  /** Keyed by store, so a node that lost its disk starts over while a restart does not. */
  private readonly logs = new WeakMap<MemoryLogStore, Map<GroupId, StoredLog>>();
  /** The first committed entry found replaced, described; undefined while there is none. */
  divergence: string | undefined;

  /** Follows a batch that became durable in `store`, the storage of the node at `address`. */
  stored(store: MemoryLogStore, address: string, batch: readonly GroupWrite[]): void {
    let logs = this.logs.get(store);
    if (logs === undefined) {
      logs = new Map();
      this.logs.set(store, logs);
    }
    for (const write of batch) this.follow(logs, address, write);
  }

  private follow(logs: Map<GroupId, StoredLog>, address: string, write: GroupWrite): void {
    const { groupId } = write;
    if (write.deleteGroup === true) {
      logs.delete(groupId);
      return;
    }
    const log = logs.get(groupId) ?? { terms: new Map(), commit: 0 };
    logs.set(groupId, log);
    const { snapshot } = write;
    if (snapshot !== undefined && write.snapshotReplacesLog === true) {
      const { index, term } = snapshot.metadata;
      log.terms.clear();
      log.commit = Math.max(log.commit, index);
      this.record(groupId, index, term, address);
    }
    const first = write.entries[0]?.index;
    if (first !== undefined)
      for (const index of log.terms.keys()) if (index >= first) log.terms.delete(index);
    for (const entry of write.entries) log.terms.set(entry.index, entry.term);
    const commit = write.hardState?.commit ?? 0;
    if (commit <= log.commit) return;
    for (const [index, term] of log.terms) {
      if (index > commit) continue;
      this.record(groupId, index, term, address);
      log.terms.delete(index);
    }
    log.commit = commit;
  }

  private record(groupId: GroupId, index: number, term: Term, address: string): void {
    let group = this.committed.get(groupId);
    if (group === undefined) {
      group = new Map();
      this.committed.set(groupId, group);
    }
    const earlier = group.get(index);
    if (earlier === undefined) group.set(index, { term, address });
    else if (earlier.term !== term)
      this.divergence ??= `group ${groupId} index ${index}: ${earlier.address} committed an entry of term ${earlier.term}, ${address} one of term ${term}`;
  }
}
