// Storage writes that group creation and removal owe, made with the next turn's write: a new
// group's first configuration, a removed group's deletion with its tombstone.

import type { GroupId } from "../lib/index.ts";
import type { RaftInitialState } from "../raft/index.ts";
import type { GroupTombstone, GroupWrite } from "../storage/index.ts";

export class LifecycleWrites {
  private writes: GroupWrite[] = [];

  get size(): number {
    return this.writes.length;
  }

  /** A group bootstrapped here: its initial hard state and entries. */
  created(groupId: GroupId, initial: RaftInitialState): void {
    this.writes.push({
      groupId,
      hardState: initial.hardState,
      entries: initial.log.entries,
    });
  }

  /** A group removed here: nothing else of it is written any more, then it is deleted. */
  removed(groupId: GroupId, tombstone: GroupTombstone): void {
    this.writes = this.writes.filter((write) => write.groupId !== groupId);
    this.writes.push({ groupId, entries: [], deleteGroup: true, tombstone });
  }

  /** The writes owed so far, which the caller now makes. */
  take(): GroupWrite[] {
    const writes = this.writes;
    this.writes = [];
    return writes;
  }
}
