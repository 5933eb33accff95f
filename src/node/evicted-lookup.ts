// Look-ups of a workflow in every execution group at once (describe, wait and signal without
// an execution cluster id), telling "never started" from "finished, and its result evicted
// by retention": both are NOT_FOUND, but a group that evicted the id says so, and that
// answer is passed on instead of the generic one. And whether one group knows an id at all,
// finished and evicted included, for a start under a caller's id.

import { type GroupId, RaftoralError } from "../lib/index.ts";
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

/**
 * Runs `probe` in every group; the first answer wins. A FAILED_PRECONDITION is an answer too:
 * only the group that holds the workflow gives it (the workflow finished), so it wins over
 * another group's failure to answer, which could only have been NOT_FOUND. A TIMEOUT (a wait
 * that ran out while the workflow ran) wins over the other failures once every group has
 * answered: the caller's deadline passed, and "retry elsewhere" would be wrong. When every
 * group answers NOT_FOUND, rejects with a group's "evicted" answer if one gave it, else
 * NOT_FOUND with `unknown`.
 */
export async function findInEveryGroup<T>(
  groups: readonly GroupId[],
  probe: (id: GroupId) => Promise<T>,
  unknown: string,
): Promise<T> {
  let evicted: unknown;
  let timedOut: unknown;
  const found = await findInGroups(groups, (id) =>
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
