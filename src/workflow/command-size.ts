// What a workflow may record in one log entry. A step result, a checkpoint or an output is
// replicated to every member and kept in memory with the workflow, so it must stay far below
// what a peer message may carry (64 MiB): a result too large to replicate would stall the
// whole group. The limit is the one inputs have (1 MiB), checked before proposing; a workflow
// that crosses it fails with a LimitError naming what was too large.

import { isJsonLargerThan, type JsonValue, toJsonValue } from "../lib/index.ts";
import { encodeCommand, type WorkflowCommand } from "./commands.ts";

export const RECORDED_COMMAND_BYTES_MAX = 1024 * 1024;

/**
 * toJsonValue for a value a workflow records (a step's result, a checkpoint, the output). One
 * plainly over the limit (isJsonLargerThan) is passed on as it is: proposing it fails for its
 * size anyway (oversizeProblem), and writing and reading back many megabytes first would hold
 * the owner for seconds, long enough for the group to take it for dead.
 */
export function toRecordedJson(value: unknown, what: string): JsonValue | undefined {
  if (value !== undefined && isJsonLargerThan(value, RECORDED_COMMAND_BYTES_MAX)) {
    return value as JsonValue;
  }
  return toJsonValue(value, what);
}

/** Why `command` may not be proposed, or undefined when its size is fine. */
export function oversizeProblem(
  command: Extract<WorkflowCommand, { type: "Checkpoint" | "Complete" }>,
  bytesMax = RECORDED_COMMAND_BYTES_MAX,
): string | undefined {
  // Plainly too large: told without encoding it.
  const bytes = isJsonLargerThan(command, bytesMax) ? undefined : encodeCommand(command).byteLength;
  if (bytes !== undefined && bytes <= bytesMax) return undefined;
  const what =
    command.type === "Checkpoint"
      ? `${command.kind} ${JSON.stringify(command.name)} (checkpoint ${command.seq})`
      : "the output";
  const size = bytes === undefined ? `more than ${bytesMax}` : `${bytes}`;
  return (
    `workflow ${command.workflowId}: ${what} is ${size} bytes encoded; the limit is ` +
    `${bytesMax}. Keep large data outside the workflow and record a reference to it`
  );
}
