// ctx.log: the lines a workflow's code logs, written only while it runs live. A replay makes
// the same calls again, and a halted run's code may still be going; neither logs twice.

import type { Logger } from "../lib/index.ts";
import type { WorkflowLog } from "./context.ts";
import type { DeterminismGuards } from "./determinism-guards.ts";
import type { ReplayCursor } from "./replay-cursor.ts";

export function codeLog(
  logger: Logger,
  workflowId: string,
  cursor: ReplayCursor,
  guards: DeterminismGuards,
): WorkflowLog {
  const child = logger.child({ workflow_id: workflowId });
  const isQuiet = () => cursor.isReplaying() || cursor.isHalted();
  // The logger stamps lines with the real time: it runs outside the workflow scope.
  return {
    info: (message, fields) => {
      if (!isQuiet()) guards.run(undefined, () => child.info(message, fields));
    },
    warn: (message, fields) => {
      if (!isQuiet()) guards.run(undefined, () => child.warn(message, fields));
    },
    error: (message, fields) => {
      if (!isQuiet()) guards.run(undefined, () => child.error(message, fields));
    },
  };
}
