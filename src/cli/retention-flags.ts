// The retention options of the command line: the server's --retain-finished, --retain-for
// and --retain-at-least (the setting a new cluster starts with), and the same three as
// `raftoral cluster retention --count --for --at-least`. One syntax for both.
// Pure: returns the fields given, or throws InvalidArgumentError naming the option.

import type { RetentionRequest } from "../client/index.ts";
import {
  InvalidArgumentError,
  parseDurationMs,
  RETENTION_FINISHED_MAX,
  RETENTION_MS_MAX,
} from "../lib/index.ts";

/** The option texts as given (undefined: not given), with the names to use in messages. */
export interface RetentionFlagTexts {
  readonly count: FlagText | undefined;
  readonly forText: FlagText | undefined;
  readonly atLeast: FlagText | undefined;
}

export interface FlagText {
  readonly text: string;
  /** The option as the user wrote it, e.g. "--retain-for". */
  readonly name: string;
}

const DURATION_HINT = "a duration such as 90s, 15m, 1h or 7d (a bare number is seconds)";

/** The fields the options set; `--for none` (or 0) means no time limit. */
export function retentionFlags(texts: RetentionFlagTexts): RetentionRequest {
  const { count, forText, atLeast } = texts;
  return {
    ...(count === undefined ? {} : { finishedMax: countOf(count.text, count.name) }),
    ...(forText === undefined
      ? {}
      : { retainForMs: forText.text === "none" ? 0 : durationOf(forText.text, forText.name) }),
    ...(atLeast === undefined ? {} : { retainAtLeastMs: durationOf(atLeast.text, atLeast.name) }),
  };
}

function countOf(text: string, name: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > RETENTION_FINISHED_MAX) {
    throw new InvalidArgumentError(
      `${name} '${text}' must be a whole number from 1 to ${RETENTION_FINISHED_MAX}`,
    );
  }
  return value;
}

function durationOf(text: string, name: string): number {
  const ms = parseDurationMs(text);
  if (ms === undefined)
    throw new InvalidArgumentError(`${name} '${text}' must be ${DURATION_HINT}`);
  if (ms > RETENTION_MS_MAX) {
    throw new InvalidArgumentError(`${name} '${text}' is longer than the 10 years allowed`);
  }
  return ms;
}
