// A drained group's last act: its finished executions move to another group (the heir)
// before the group is destroyed, so every result a client may still ask for outlives it.
// The management state then records the move (resultsMovedTo) and waits follow it.

import { assert } from "../lib/index.ts";
import {
  ADOPT_RECORDS_MAX,
  type ExecutionState,
  encodeCommand,
  isApplyResult,
  type WorkflowStateMachine,
} from "../workflow/index.ts";

/** Keeps one Adopt entry well below a Raft append message. */
const ADOPT_BYTES_MAX = 256 * 1024;

/** Proposes Adopt commands to the heir; true once the heir holds every finished execution. */
export async function handOverResults(
  machine: WorkflowStateMachine,
  propose: (command: Uint8Array) => Promise<unknown>,
): Promise<boolean> {
  for (const records of batches(machine.finishedExecutions())) {
    const result = await propose(encodeCommand({ type: "Adopt", records }));
    // An execution group's state machine answers every command with an apply result.
    assert(isApplyResult(result), "an Adopt was answered with something else");
    // The heir began draining too: the next pass picks another heir.
    if (result.type !== "adopted") return false;
  }
  return true;
}

function* batches(records: readonly ExecutionState[]): Generator<ExecutionState[]> {
  let batch: ExecutionState[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = JSON.stringify(record).length;
    if (
      batch.length > 0 &&
      (batch.length === ADOPT_RECORDS_MAX || bytes + size > ADOPT_BYTES_MAX)
    ) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(record);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}
