// A durable wait is two checkpoints: its first half (`sleep`, `event-wait`) and, later, its
// second half (`wake`, `event`). Waits the code runs one after another put the halves side
// by side. Concurrent waits (`Promise.all` of sleeps, event waits or child results) record
// their first halves as they are called and their second halves in the same order, with
// other records in between: such a second half names the seq of its first half
// (`waitSeq` in its value). A record without one follows its first half directly, as every
// record made before concurrent waits existed does, so old logs read the same.
// Pure: no I/O.

import type { CheckpointKind, CheckpointRecord } from "./execution.ts";
import type { JsonValue } from "./json.ts";

type WaitRecord = Pick<CheckpointRecord, "seq" | "kind" | "name" | "outcome">;

const FIRST_HALF: Partial<Record<CheckpointKind, CheckpointKind>> = {
  wake: "sleep",
  event: "event-wait",
};

/** The first half a second half's kind closes (`wake` → `sleep`, `event` → `event-wait`). */
export function firstHalfOf(kind: CheckpointKind): CheckpointKind | undefined {
  return FIRST_HALF[kind];
}

/** The seq of the first half that a `wake` or `event` record closes. */
export function waitSeqOf(record: Pick<CheckpointRecord, "seq" | "outcome">): number {
  return explicitWaitSeq(record) ?? record.seq - 1;
}

/** Whether the record names its first half (other records came between them). */
export function hasWaitSeq(record: Pick<CheckpointRecord, "outcome">): boolean {
  return explicitWaitSeq(record) !== undefined;
}

function explicitWaitSeq(record: Pick<CheckpointRecord, "outcome">): number | undefined {
  const value = record.outcome.ok ? record.outcome.value : undefined;
  const waitSeq =
    typeof value === "object" && value !== null && !Array.isArray(value)
      ? value.waitSeq
      : undefined;
  return typeof waitSeq === "number" && Number.isSafeInteger(waitSeq) ? waitSeq : undefined;
}

/**
 * A second half's value at `seq` for the wait at `waitSeq`: as it is when the halves are side
 * by side (what older members apply), else with `waitSeq` added (`value` is an object or
 * undefined).
 */
export function pairedValue(value: JsonValue, seq: number, waitSeq: number): JsonValue;
export function pairedValue(value: undefined, seq: number, waitSeq: number): JsonValue | undefined;
export function pairedValue(
  value: JsonValue | undefined,
  seq: number,
  waitSeq: number,
): JsonValue | undefined {
  if (seq === waitSeq + 1) return value;
  return { ...(value as Record<string, JsonValue> | undefined), waitSeq };
}

/**
 * The still open first half that `second` (a `wake` or `event` about to be recorded at the
 * end of `checkpoints`) closes, or undefined: none at its `waitSeq`, another kind or name
 * there, or closed already by an earlier second half.
 */
export function openWaitFor(
  checkpoints: readonly CheckpointRecord[],
  second: WaitRecord,
): CheckpointRecord | undefined {
  const waitSeq = waitSeqOf(second);
  const wait = checkpoints[waitSeq];
  if (wait === undefined || waitSeq >= second.seq) return undefined;
  if (wait.kind !== firstHalfOf(second.kind) || wait.name !== second.name) return undefined;
  for (let seq = waitSeq + 1; seq < checkpoints.length; seq++) {
    const record = checkpoints[seq] as CheckpointRecord;
    if (record.kind === second.kind && waitSeqOf(record) === waitSeq) return undefined;
  }
  return wait;
}

/**
 * The wait a Running execution is held on: the first of its waits still open, in call
 * order. A `cancel` record ends every wait open then: the one it was delivered to, and those
 * beside it, which never end (ReplayCursor.isOrphanedByCancel).
 */
export function heldOnWait(checkpoints: readonly CheckpointRecord[]): CheckpointRecord | undefined {
  const open = new Map<number, CheckpointRecord>();
  for (const record of checkpoints) {
    if (record.kind === "sleep" || record.kind === "event-wait") open.set(record.seq, record);
    else if (firstHalfOf(record.kind) !== undefined) open.delete(waitSeqOf(record));
    else if (record.kind === "cancel") open.clear();
  }
  return open.values().next().value;
}
