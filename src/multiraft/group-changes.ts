// Which hosted groups changed in a turn (role, known leader, applied membership, creation),
// and who wants to hear of it: collected during the turn, told after it.

import type { GroupId } from "../lib/index.ts";

export class GroupChanges {
  private readonly listeners = new Set<(groupId: GroupId) => void>();
  private readonly changed = new Set<GroupId>();

  subscribe(listener: (groupId: GroupId) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  add(groupId: GroupId): void {
    this.changed.add(groupId);
  }

  /** Tells every listener of every group changed since the last call. */
  notify(): void {
    if (this.changed.size === 0) return;
    const groups = [...this.changed];
    this.changed.clear();
    for (const groupId of groups) for (const listener of this.listeners) listener(groupId);
  }
}
