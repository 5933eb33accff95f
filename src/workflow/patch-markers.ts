// ctx.patched(id) and ctx.deprecatePatch(id): versioning inside one workflow version, after
// Temporal's patching. A `patch` checkpoint named `id` marks that an execution reached the
// patched spot under code that knew the patch:
//   1. live (past the record): patched() records the marker and answers true;
//   2. replaying, the marker is the next record: consumed, true (it took the new path);
//   3. replaying, it is not: nothing consumed, false (recorded by code without the patch).
// The first answer for an id holds for the rest of the run, so one execution never mixes
// paths. deprecatePatch() records a marker flagged deprecated, which replay may skip when
// the code no longer asks for it; an unflagged marker nobody asks for is a divergence.
// Pure: no I/O; the marker's commit goes through the cursor like any checkpoint.

import { AssertionError } from "../lib/index.ts";
import type { CheckpointOutcome, CheckpointRecord } from "./execution.ts";
import type { JsonValue } from "./json.ts";
import type { ReplayCursor } from "./replay-cursor.ts";

const DEPRECATED: CheckpointOutcome = { ok: true, value: { deprecated: true } };
const ACTIVE: CheckpointOutcome = { ok: true };

/** A recorded marker that code may stop asking for: replay skips it then. */
export function isDeprecatedMarker(record: CheckpointRecord): boolean {
  if (record.kind !== "patch" || !record.outcome.ok) return false;
  return isDeprecatedValue(record.outcome.value);
}

/** Apply-time check of a `patch` checkpoint's outcome: `{ ok: true }` or the deprecated form. */
export function isMarkerOutcome(outcome: CheckpointOutcome): boolean {
  if (!outcome.ok) return false;
  const value = outcome.value;
  if (value === undefined) return true;
  return isDeprecatedValue(value) && Object.keys(value as object).length === 1;
}

function isDeprecatedValue(value: JsonValue | undefined): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  return (value as { readonly [key: string]: JsonValue }).deprecated === true;
}

/** One run's answers to patched()/deprecatePatch(), by patch id. */
export class PatchMarkers {
  private readonly answers = new Map<string, boolean>();

  constructor(
    private readonly cursor: ReplayCursor,
    private readonly isEnabled: boolean,
    /** Called if a marker's commit fails in a way the cursor did not handle (a bug). */
    private readonly onCommitError: (error: unknown) => void,
  ) {}

  patched(id: string): boolean {
    return this.decide(id, ACTIVE);
  }

  deprecatePatch(id: string): void {
    this.decide(id, DEPRECATED);
  }

  private decide(id: string, outcome: CheckpointOutcome): boolean {
    const known = this.answers.get(id);
    if (known !== undefined) return known;
    const answer = this.isEnabled && this.mark(id, outcome);
    this.answers.set(id, answer);
    return answer;
  }

  /** True if this execution takes the patched path here (and records or consumes a marker). */
  private mark(id: string, outcome: CheckpointOutcome): boolean {
    if (this.cursor.isReplaying()) {
      // Undefined: only skipped deprecated markers were left, so the run is live from here.
      const next = this.cursor.peekReplay("patch", id);
      if (next !== undefined && (next.kind !== "patch" || next.name !== id)) return false;
    }
    const claim = this.cursor.claim("patch", id);
    switch (claim.type) {
      case "halted":
        // The run stopped: its code never gets further than this, whatever the answer.
        return true;
      case "replay":
        // Markers do not move ctx.now(): a live marker is not delivered either.
        return true;
      case "cancelled":
      case "cancel":
        // The cursor never hands a patch marker a cancel (replay-cursor.ts).
        throw new AssertionError(`a cancel claimed for patch marker ${id}`);
      case "live":
        // patched() answers at once; the marker is committed in seq order before any later
        // ctx call's outcome, and a failed commit halts the run before it goes further.
        this.cursor
          .commit(claim.seq, { kind: "patch", name: id }, outcome)
          .catch(this.onCommitError);
        return true;
    }
  }
}
