// What a workflow may record in one log entry. A step result, a checkpoint or an output is
// replicated to every member and kept in memory with the workflow, so it must stay far below
// what a peer message may carry (64 MiB): a result too large to replicate would stall the
// whole group. The limit is the one inputs have (1 MiB), checked before proposing; a workflow
// that crosses it fails with a LimitError naming what was too large.

import { encodeCommand, type WorkflowCommand } from "./commands.ts";

export const RECORDED_COMMAND_BYTES_MAX = 1024 * 1024;

/** Why `command` may not be proposed, or undefined when its size is fine. */
export function oversizeProblem(
  command: Extract<WorkflowCommand, { type: "Checkpoint" | "Complete" }>,
  bytesMax = RECORDED_COMMAND_BYTES_MAX,
): string | undefined {
  const bytes = encodeCommand(command).byteLength;
  if (bytes <= bytesMax) return undefined;
  const what =
    command.type === "Checkpoint"
      ? `${command.kind} ${JSON.stringify(command.name)} (checkpoint ${command.seq})`
      : "the output";
  return (
    `workflow ${command.workflowId}: ${what} is ${bytes} bytes encoded; the limit is ` +
    `${bytesMax}. Keep large data outside the workflow and record a reference to it`
  );
}
