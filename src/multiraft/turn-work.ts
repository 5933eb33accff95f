// What one turn of the host's loop gathers from its groups: the Readies to persist, send and
// apply, and the storage writes for all of them, so that one transaction covers every group.

import type { Ready } from "../raft/index.ts";
import type { GroupWrite } from "../storage/index.ts";
import type { ForwardingDesk } from "./forwarding-desk.ts";
import type { HostedGroup } from "./hosted-group.ts";
import type { ReadDesk } from "./read-desk.ts";

export interface GroupReady {
  readonly group: HostedGroup;
  readonly ready: Ready;
}

/** Each group's Ready, after the desks queued what waited for it (proposals, reads). */
export function collectReadies(
  groups: Iterable<HostedGroup>,
  desk: ForwardingDesk,
  reads: ReadDesk,
): GroupReady[] {
  const work: GroupReady[] = [];
  for (const group of groups) {
    desk.retryWaiting(group);
    reads.send(group);
    if (!group.raw.hasReady()) continue;
    const ready = group.raw.ready();
    desk.noteAppended(ready.entries);
    work.push({ group, ready });
  }
  return work;
}

/** The turn's storage writes: groups created or removed, then every group's Ready. */
export function collectWrites(
  groups: Iterable<HostedGroup>,
  work: readonly GroupReady[],
  lifecycle: GroupWrite[],
): GroupWrite[] {
  for (const { group, ready } of work) {
    const write = group.writeFor(ready);
    if (write !== undefined) lifecycle.push(write);
  }
  // Snapshots taken since their group's last Ready; the groups above took theirs along.
  for (const group of groups) {
    const write = group.writeFor(undefined);
    if (write !== undefined) lifecycle.push(write);
  }
  return lifecycle;
}

/** Whether the turn's write must be fsynced: it holds new entries, a vote or a term. */
export function mustSyncWrites(work: readonly GroupReady[], writes: readonly GroupWrite[]) {
  return work.some(({ ready }) => ready.mustSync) || writes.some((w) => w.entries.length > 0);
}

/**
 * Whether a turn must wait for its writes before it sends and applies. New entries, votes and
 * terms (`isSync`) must be on disk before anyone hears of them; group creations, removals and
 * snapshots before anything builds on them. A write that only moves commit indexes need not
 * be: the entries it marks committed are on a majority's disks already, and storage takes
 * writes in order, so a later write never lands before it. Applying without waiting for it
 * saves a storage round trip on every commit, on the leader and on every follower.
 */
export function mustAwaitWrites(
  writes: readonly GroupWrite[],
  isSync: boolean,
  hasLifecycle: boolean,
): boolean {
  return isSync || hasLifecycle || writes.some((write) => write.snapshot !== undefined);
}
