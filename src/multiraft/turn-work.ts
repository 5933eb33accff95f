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
    if (group.raw.hasReady()) work.push({ group, ready: group.raw.ready() });
  }
  return work;
}

/** The turn's storage writes: groups created or removed, then every group's Ready. */
export function collectWrites(
  groups: Iterable<HostedGroup>,
  work: readonly GroupReady[],
  lifecycle: GroupWrite[],
): GroupWrite[] {
  const withReady = new Map(work.map(({ group, ready }) => [group, ready]));
  for (const group of groups) {
    const write = group.writeFor(withReady.get(group));
    if (write !== undefined) lifecycle.push(write);
  }
  return lifecycle;
}
