// Cancel and terminate in the whole-system simulation: a client now and then asks a running
// sim_steps workflow to stop, through any node, while the faults go on; the checkers then
// hold every member's record to what the request promised. A cancel lands between two steps
// (a `cancel` checkpoint at a recorded seq, replayed the same after owner changes) or after
// the last one (the workflow completes); a terminate ends it at once.

import type { ProtocolClient } from "../../../src/client/index.ts";
import type { GroupId, Random } from "../../../src/lib/index.ts";
import type { ExecutionState } from "../../../src/workflow/index.ts";

export type StopType = "Cancel" | "Terminate";

/** What the simulation asked of one workflow, and what the cluster acknowledged. */
export interface StopLedger {
  /** Asked, whatever the answer (a request lost in a fault may still be applied). */
  readonly asked: Set<StopType>;
  /** Acknowledged while the workflow still ran (not a repeat). */
  readonly acknowledged: Set<StopType>;
}

export function emptyLedger(): StopLedger {
  return { asked: new Set(), acknowledged: new Set() };
}

/** Sends a Cancel or a Terminate for `workflowId` and notes the answer in `ledger`. */
export async function stopOne(options: {
  readonly client: ProtocolClient;
  readonly random: Random;
  readonly workflowId: string;
  readonly group: GroupId;
  readonly ledger: StopLedger;
}): Promise<void> {
  const { client, ledger } = options;
  const type: StopType = options.random.chance(0.5) ? "Cancel" : "Terminate";
  const request = { workflowId: options.workflowId, executionClusterId: options.group };
  ledger.asked.add(type);
  try {
    const call = { timeoutMs: 10_000 };
    const answer =
      type === "Cancel"
        ? await client.cancelWorkflow({ ...request, reason: "sim" }, call)
        : await client.terminateWorkflow(request, call);
    if (!answer.isDuplicate) ledger.acknowledged.add(type);
  } catch {
    // Handled: refused (it finished first) or lost in a fault; `asked` covers a late apply.
  }
}

/** Problems with one member's record of a workflow, given what was asked of it. */
export function stopProblems(record: ExecutionState, ledger: StopLedger): string[] {
  const problems: string[] = [];
  const cancels = record.checkpoints.filter((checkpoint) => checkpoint.kind === "cancel").length;
  const { status } = record;
  if (cancels > 1) problems.push(`${cancels} cancel checkpoints`);
  if (cancels > 0 && record.cancelRequest === undefined) problems.push("a cancel never asked");
  if (cancels > 0 && status === "Completed") problems.push("completed after its cancel");
  if (status === "Cancelled" && cancels !== 1) problems.push("cancelled without its checkpoint");
  if (status === "Cancelled" && !ledger.asked.has("Cancel")) problems.push("cancelled unasked");
  if (status === "Terminated" && !ledger.asked.has("Terminate")) {
    problems.push("terminated unasked");
  }
  if (ledger.acknowledged.has("Terminate") && status !== "Terminated") {
    problems.push(`terminate acknowledged, yet ${status}`);
  }
  if (ledger.acknowledged.has("Cancel") && status === "Failed") {
    problems.push("cancel acknowledged, yet Failed");
  }
  return problems;
}
