// Look-ups of a workflow in every execution group at once (describe, wait and signal without
// an execution cluster id), telling "never started" from "finished, and its result evicted
// by retention": both are NOT_FOUND, but a group that evicted the id says so, and that
// answer is passed on instead of the generic one. And whether one group knows an id at all,
// finished and evicted included, for a start under a caller's id.

import { type GroupId, MANAGEMENT_GROUP, NO_NODE, RaftoralError } from "../lib/index.ts";
import type { MultiRaftHost } from "../multiraft/index.ts";
import { EVICTED_PHRASE } from "../workflow/index.ts";
import { findInGroups } from "./caller-id-start.ts";
import type { LookupDeps } from "./workflow-describe.ts";

/**
 * Whether `error` is a group's "evicted by retention" answer. Forwarded calls carry only a
 * code and a message, so the message's fixed phrase is what tells them apart.
 */
export function isEvictedAnswer(error: unknown): boolean {
  return (
    error instanceof RaftoralError &&
    error.code === "NOT_FOUND" &&
    error.message.includes(EVICTED_PHRASE)
  );
}

/** The execution groups as this node knows them, and how it catches up on the others. */
export interface GroupView {
  /** The execution groups that may hold workflows, as this node's management state has them. */
  readonly groups: () => readonly GroupId[];
  /** Resolves once this node applied every management entry committed before the call. */
  readonly catchUpManagement: () => Promise<void>;
}

/**
 * A read barrier on the management group for a GroupView, refused at once (NO_LEADER) while
 * this node knows no management leader: the read would wait out its whole deadline for one,
 * and a list, which can answer from this node's own view then, would make its caller wait as
 * long.
 */
export function managementCatchUp(
  host: Pick<MultiRaftHost, "inspect" | "read">,
  timeoutMs: number,
): () => Promise<void> {
  return async () => {
    if ((host.inspect(MANAGEMENT_GROUP)?.leaderId() ?? NO_NODE) === NO_NODE) {
      throw new RaftoralError("NO_LEADER", "the management group has no leader this node knows");
    }
    await host.read(MANAGEMENT_GROUP, { timeoutMs });
  };
}

/**
 * The groups once this node caught up with the management group. Its own view may lag (a node
 * that has just joined knows no group yet, one that was cut off misses the groups of a split),
 * and "no such workflow" or a list without the missing groups' workflows would be a wrong
 * answer, not a late one. Without a management leader it keeps its own view; knowing no group
 * at all then, it rejects as the catch-up did (the node cannot serve the call now).
 */
export async function caughtUpGroups(view: GroupView): Promise<readonly GroupId[]> {
  try {
    await view.catchUpManagement();
  } catch (error) {
    if (view.groups().length === 0) throw error;
  }
  return view.groups();
}

/**
 * Runs `probe` in every group; the first answer wins. A FAILED_PRECONDITION is an answer too:
 * only the group that holds the workflow gives it (the workflow finished), so it wins over
 * another group's failure to answer, which could only have been NOT_FOUND. A TIMEOUT (a wait
 * that ran out while the workflow ran) wins over the other failures once every group has
 * answered: the caller's deadline passed, and "retry elsewhere" would be wrong. When every
 * group answers NOT_FOUND, rejects with a group's "evicted" answer if one gave it, else
 * NOT_FOUND with `unknown`. Before it says NOT_FOUND, it catches up with the management group
 * and asks the groups it did not know (caughtUpGroups).
 */
export async function findInEveryGroup<T>(
  view: GroupView,
  probe: (id: GroupId) => Promise<T>,
  unknown: string,
): Promise<T> {
  let evicted: unknown;
  let timedOut: unknown;
  const lookIn = (groups: readonly GroupId[]) =>
    findInGroups(groups, (id) =>
      probe(id).then(
        (value): { value: T } | { refusal: unknown } => ({ value }),
        (error: unknown) => {
          const code = (error as RaftoralError).code;
          if (code === "FAILED_PRECONDITION") return { refusal: error };
          // Not an answer yet: another group may still find the workflow finished.
          if (code === "TIMEOUT") timedOut ??= error;
          // Handled: "not in this group" is the answer most groups give.
          else if (code !== "NOT_FOUND") throw error;
          else if (isEvictedAnswer(error)) evicted = error;
          return undefined;
        },
      ),
    ).catch((error: unknown) => {
      throw timedOut ?? error;
    });
  const known = view.groups();
  let found = await lookIn(known);
  if (found === undefined && timedOut === undefined) {
    const unasked = (await caughtUpGroups(view)).filter((id) => !known.includes(id));
    if (unasked.length > 0) found = await lookIn(unasked);
  }
  if (found === undefined) throw timedOut ?? evicted ?? new RaftoralError("NOT_FOUND", unknown);
  if ("refusal" in found) throw found.refusal;
  return found.value;
}

/** Whether group `id` knows `workflowId`, as of a read barrier in the group. */
export async function isKnownIn(
  deps: LookupDeps,
  id: GroupId,
  workflowId: string,
): Promise<boolean> {
  const machine = await deps.machineOf(id);
  if (machine !== undefined) {
    await deps.barrier(id);
    // An evicted id is known too: it ran there, and its Start is refused there.
    return machine.execution(workflowId) !== undefined || machine.evicted(workflowId) !== undefined;
  }
  // A member answers a wait at once for an unknown id (NOT_FOUND, after its own barrier)
  // or a finished one; a running one answers after the shortest wait the wire can ask.
  const probe = { workflowId, executionClusterId: id, timeoutSeconds: 1 };
  try {
    await deps.forward(id, (client) =>
      client.waitWorkflow(probe, { timeoutMs: deps.forwardTimeoutMs }),
    );
    return true;
  } catch (error) {
    const code = (error as RaftoralError).code;
    if (code === "TIMEOUT") return true;
    if (code === "NOT_FOUND") return isEvictedAnswer(error);
    throw error;
  }
}
