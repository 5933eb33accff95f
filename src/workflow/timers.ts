// Durable timers: what a `sleep` checkpoint records and when it is due. A sleep is two
// checkpoints: `sleep` (seq k) records the duration or the wake-up time once, at the first
// run; `wake` (seq k + 1) is committed by the owner once the due time has passed. Between the
// two the execution holds no run: only its record (see docs/workflows.md, "Durable timers").
// Pure: no I/O, no clocks; the due time comes from the log.

import { InvalidArgumentError } from "../lib/index.ts";
import type { CheckpointRecord } from "./execution.ts";
import type { JsonValue } from "./json.ts";

/** Longest sleep: one year. A workflow that must wait longer sleeps again. */
export const SLEEP_MS_MAX = 365 * 86_400_000;

/** What a `sleep` checkpoint records: a duration from its own `atMs`, or an absolute time. */
export type TimerSpec = { readonly sleepMs: number } | { readonly untilMs: number };

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/**
 * Milliseconds of `duration`: a number of ms, or text such as "500ms", "90s", "2h", "1d".
 * `what` names the argument in the error, e.g. "ctx.sleep()".
 */
export function parseDuration(duration: unknown, what = "ctx.sleep()"): number {
  let ms: number;
  if (typeof duration === "number") {
    ms = duration;
  } else if (typeof duration === "string" && DURATION_PATTERN.test(duration.trim())) {
    const [, amount, unit] = DURATION_PATTERN.exec(duration.trim()) ?? [];
    ms = Number(amount) * (UNIT_MS[unit ?? ""] ?? Number.NaN);
  } else {
    throw new InvalidArgumentError(
      `${what} takes milliseconds or a duration such as "500ms", "90s", "15m", "2h" or "1d"; got ${describe(duration)}`,
    );
  }
  if (!Number.isFinite(ms) || ms < 0 || ms > SLEEP_MS_MAX) {
    throw new InvalidArgumentError(
      `${what} needs a duration from 0 to ${SLEEP_MS_MAX} ms (one year); got ${describe(duration)}`,
    );
  }
  return Math.ceil(ms);
}

/** Checks the wake-up time of ctx.sleepUntil(): epoch milliseconds, a safe integer. */
export function checkWakeTime(epochMs: unknown): number {
  if (
    typeof epochMs !== "number" ||
    !Number.isSafeInteger(epochMs) ||
    epochMs < 0 ||
    epochMs > WAKE_TIME_MAX
  ) {
    throw new InvalidArgumentError(
      `ctx.sleepUntil() takes epoch milliseconds as an integer from 0 to ${WAKE_TIME_MAX} (the last instant a JavaScript date holds; e.g. Date.parse(...) outside the workflow, passed in its input); got ${describe(epochMs)}`,
    );
  }
  return epochMs;
}

/** The latest instant a JavaScript date holds (the year 275760): past it no time can be shown. */
const WAKE_TIME_MAX = 8_640_000_000_000_000;

/** The recorded form of a timer, as the `sleep` checkpoint's outcome value. */
export function timerValue(spec: TimerSpec): JsonValue {
  return "sleepMs" in spec ? { sleepMs: spec.sleepMs } : { untilMs: spec.untilMs };
}

/** The timer a `sleep` checkpoint's value records, or undefined if it is not one. */
export function timerSpecOf(value: JsonValue | undefined): TimerSpec | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const sleepMs = value.sleepMs;
  if (typeof sleepMs === "number" && Number.isSafeInteger(sleepMs) && sleepMs >= 0) {
    return sleepMs <= SLEEP_MS_MAX ? { sleepMs } : undefined;
  }
  const untilMs = value.untilMs;
  if (typeof untilMs === "number" && Number.isSafeInteger(untilMs) && untilMs >= 0) {
    return { untilMs };
  }
  return undefined;
}

/**
 * When the timer of a committed `sleep` checkpoint is due: its own `atMs` plus the duration,
 * or the absolute time. The same on every member and every replay, since both are in the log.
 */
export function timerDueAtMs(record: Pick<CheckpointRecord, "atMs" | "outcome">): number {
  const spec = record.outcome.ok ? timerSpecOf(record.outcome.value) : undefined;
  if (spec === undefined) return Number.POSITIVE_INFINITY;
  return "sleepMs" in spec ? record.atMs + spec.sleepMs : spec.untilMs;
}

function describe(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : String(value);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
