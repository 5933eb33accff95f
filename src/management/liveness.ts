// One notion of liveness for every decision that needs it: how long a node has been silent,
// as this observer can fairly tell. Silence counts from the last message heard from the node,
// but never from before the observer could have heard it: not before the observer's own last
// stall ended (a paused process must not blame the others for its pause), not before it took
// the role that makes it judge (a new management leader has heard nothing yet), not before the
// node itself appeared. Failure detection and owner failover use the same measure with their
// own thresholds.
// Pure: no I/O, no timers, no await.

import type { NodeId } from "../lib/index.ts";

export interface LivenessView {
  readonly nowMs: number;
  /** When this observer last heard from `id` (clock ms), if ever. */
  readonly heardMs: (id: NodeId) => number | undefined;
  /** Silence of `id` counts only from here on. */
  readonly countFromMs: (id: NodeId) => number;
}

/** How long `id` has been silent, as this observer can fairly tell. */
export function silenceMs(view: LivenessView, id: NodeId): number {
  const from = view.countFromMs(id);
  return view.nowMs - Math.max(view.heardMs(id) ?? from, from);
}

/** The nodes of `ids` (this observer, `self`, excluded) silent for longer than `timeoutMs`. */
export function silentNodes(
  view: LivenessView,
  ids: Iterable<NodeId>,
  self: NodeId,
  timeoutMs: number,
): Set<NodeId> {
  const silent = new Set<NodeId>();
  for (const id of ids) if (id !== self && silenceMs(view, id) > timeoutMs) silent.add(id);
  return silent;
}

/** A node's contact with the management leader, as the rejoin decision needs it. */
export interface LeaderContactView {
  readonly nowMs: number;
  /**
   * This node leads the management group, or its replica heard the leader within the failure
   * timeout (the management group's own traffic: other groups may keep a removed node talking
   * to the very node it still takes for the leader).
   */
  readonly isInContact: boolean;
  /** When contact was last seen; undefined before the first look. */
  readonly contactMs: number | undefined;
  readonly failureTimeoutMs: number;
}

/**
 * Whether to register again (the node may have been removed while cut off), and when contact
 * counts as last seen from now on: a rejoin restarts the count, so attempts are a timeout apart.
 */
export function planRejoin(view: LeaderContactView): { rejoin: boolean; contactMs: number } {
  const { nowMs, contactMs } = view;
  if (view.isInContact || contactMs === undefined) return { rejoin: false, contactMs: nowMs };
  if (nowMs - contactMs <= view.failureTimeoutMs) return { rejoin: false, contactMs };
  return { rejoin: true, contactMs: nowMs };
}
