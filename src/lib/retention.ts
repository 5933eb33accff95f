// The cluster-wide retention setting of finished workflows: how many are kept, for how long,
// and the floor that protects a fresh result from a burst of new starts. The management log
// records it (ManagementState.retention); every execution group copies it into its own log
// (the workflow command Configure), and prunes by that copy only, so every member agrees.
// Pure: no I/O.

import { InvalidArgumentError } from "./errors.ts";
import { type FieldErrorFactory, fieldReaders } from "./fields.ts";

export interface RetentionSetting {
  /** Finished workflows kept per execution group; the oldest go first past this. */
  readonly finishedMax: number;
  /** Finished workflows are dropped once the log's time is this much later; 0: no limit. */
  readonly retainForMs: number;
  /**
   * The floor: a result younger than this (in log time) is never dropped for the count or
   * bytes limits. While the limits are exceeded by such results, new starts are refused.
   */
  readonly retainAtLeastMs: number;
}

/** What a cluster bootstrapped without retention flags uses. */
export const DEFAULT_RETENTION: RetentionSetting = {
  finishedMax: 10_000,
  retainForMs: 0,
  retainAtLeastMs: 60_000,
};

/** Largest count accepted: the results live in memory on every member. */
export const RETENTION_FINISHED_MAX = 10_000_000;
/** Longest duration accepted (10 years), so that sums of log times stay exact. */
export const RETENTION_MS_MAX = 10 * 365 * 86_400_000;

/** Throws INVALID_ARGUMENT naming the setting that is out of range or contradicts another. */
export function checkRetention(setting: RetentionSetting): RetentionSetting {
  return parseRetention(setting, retentionError, "retention");
}

/** Reads a setting from untrusted data (a log entry, a snapshot); `fail` makes the error. */
export function parseRetention(
  value: unknown,
  fail: FieldErrorFactory,
  path: string,
): RetentionSetting {
  const read = fieldReaders(fail);
  const f = read.object(value, path);
  const setting: RetentionSetting = {
    finishedMax: read.integer(f.finishedMax, `${path}.finishedMax`, {
      min: 1,
      max: RETENTION_FINISHED_MAX,
    }),
    retainForMs: read.integer(f.retainForMs, `${path}.retainForMs`, { max: RETENTION_MS_MAX }),
    retainAtLeastMs: read.integer(f.retainAtLeastMs, `${path}.retainAtLeastMs`, {
      max: RETENTION_MS_MAX,
    }),
  };
  if (setting.retainForMs > 0 && setting.retainAtLeastMs > setting.retainForMs) {
    throw fail(
      path,
      `keeps results at least ${formatDurationMs(setting.retainAtLeastMs)} but for only ` +
        `${formatDurationMs(setting.retainForMs)}; lower the floor (--retain-at-least, or ` +
        "--at-least of `cluster retention`) or raise the limit (--retain-for, or --for)",
    );
  }
  return setting;
}

/** The fields as the APIs name them (HTTP and gRPC alike), for a caller's error. */
const API_FIELD_NAMES: Readonly<Record<string, string>> = {
  "retention.finishedMax": "finished_max",
  "retention.retainForMs": "retain_for_ms",
  "retention.retainAtLeastMs": "retain_at_least_ms",
};

function retentionError(path: string, problem: string): InvalidArgumentError {
  return new InvalidArgumentError(`retention setting: ${API_FIELD_NAMES[path] ?? path} ${problem}`);
}

export function isSameRetention(a: RetentionSetting, b: RetentionSetting): boolean {
  return (
    a.finishedMax === b.finishedMax &&
    a.retainForMs === b.retainForMs &&
    a.retainAtLeastMs === b.retainAtLeastMs
  );
}

/** "10000 finished workflows, for 7d, at least 1h": for messages and status output. */
export function describeRetention(setting: RetentionSetting): string {
  const forText = setting.retainForMs === 0 ? "" : `, for ${formatDurationMs(setting.retainForMs)}`;
  return (
    `${setting.finishedMax} finished workflows${forText}, ` +
    `at least ${formatDurationMs(setting.retainAtLeastMs)}`
  );
}

const UNITS: readonly (readonly [string, number])[] = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1000],
  ["ms", 1],
];

/** The largest whole unit: 3600000 gives "1h", 90000 gives "90s", 0 gives "0s". */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return "0s";
  for (const [unit, size] of UNITS) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/**
 * Parses "90s", "15m", "1h", "7d", "250ms" or a bare number of seconds; undefined if the
 * text is none of these. The CLI and the flags use it, so one syntax holds everywhere.
 */
export function parseDurationMs(text: string): number | undefined {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(text.trim());
  if (match === null) return undefined;
  const unit = UNITS.find(([name]) => name === (match[2] ?? "s"));
  const ms = Number(match[1]) * (unit?.[1] ?? 1000);
  return Number.isSafeInteger(ms) ? ms : undefined;
}
