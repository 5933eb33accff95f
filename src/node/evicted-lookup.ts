// Look-ups of a workflow in every execution group at once (describe, wait and signal without
// an execution cluster id), telling "never started" from "finished, and its result evicted
// by retention": both are NOT_FOUND, but a group that evicted the id says so, and that
// answer is passed on instead of the generic one.

import { type GroupId, RaftoralError } from "../lib/index.ts";
import { EVICTED_PHRASE } from "../workflow/index.ts";
import { findInGroups } from "./caller-id-start.ts";

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
 * Runs `probe` in every group; the first answer wins. When every group answers NOT_FOUND,
 * rejects with a group's "evicted" answer if one gave it, else NOT_FOUND with `unknown`.
 */
export async function findInEveryGroup<T>(
  groups: readonly GroupId[],
  probe: (id: GroupId) => Promise<T>,
  unknown: string,
): Promise<T> {
  let evicted: unknown;
  const found = await findInGroups(groups, (id) =>
    probe(id).catch((error: unknown) => {
      // Handled: "not in this group" is the answer most groups give.
      if ((error as RaftoralError).code !== "NOT_FOUND") throw error;
      if (isEvictedAnswer(error)) evicted = error;
      return undefined;
    }),
  );
  if (found !== undefined) return found;
  throw evicted ?? new RaftoralError("NOT_FOUND", unknown);
}
