// Parses `raftoral workflow list`'s own options: statuses (repeated or comma-separated),
// name, time range, page size and token. Pure: returns the command or throws
// INVALID_ARGUMENT naming the option; --since stays a duration until the command runs.

import { LIST_PAGE_SIZE_DEFAULT, LIST_PAGE_SIZE_MAX } from "../client/index.ts";
import { InvalidArgumentError, parseDurationMs } from "../lib/index.ts";
import { DESCRIBED_STATUSES, isDescribedStatus } from "../workflow/index.ts";
import type { OptionSpec } from "./parse-options.ts";

/** What `workflow list` asks for; the connection is added by client-args.ts. */
export interface ListFilter {
  readonly statuses: readonly string[];
  readonly name?: string;
  /** --since: only workflows started within this long before the command runs. */
  readonly sinceMs?: number;
  /** --after: only workflows started at or after this time (epoch ms). */
  readonly startedAfterMs?: number;
  /** --before: only workflows started before this time (epoch ms). */
  readonly startedBeforeMs?: number;
  readonly pageSize?: number;
  readonly pageToken?: string;
  readonly cluster?: string;
}

export const LIST_OPTION_SPECS: readonly OptionSpec[] = [
  { flags: "-s, --status <STATUS>", key: "status" },
  { flags: "-n, --name <NAME>", key: "name" },
  { flags: "--since <DURATION>", key: "since" },
  { flags: "--after <MS>", key: "after" },
  { flags: "--before <MS>", key: "before" },
  { flags: "-l, --limit <N>", key: "limit" },
  { flags: "--page-token <TOKEN>", key: "pageToken" },
  { flags: "--cluster <ID>", key: "cluster" },
];

export function parseListFilter(options: Readonly<Record<string, unknown>>): ListFilter {
  const statuses = values(options.status, "--status")
    .flatMap((value) => value.split(","))
    .map((word) => word.trim())
    .filter((word) => word !== "");
  for (const status of statuses) {
    if (!isDescribedStatus(status)) {
      usage(`--status '${status}' is not one of ${DESCRIBED_STATUSES.join(", ")}`);
    }
  }
  const one = (key: string, flag: string) => {
    const [value, extra] = values(options[key], flag);
    if (extra !== undefined) usage(`${flag} was given more than once; give it once`);
    if (value === "") usage(`${flag} needs a value`);
    return value;
  };
  const since = one("since", "--since <DURATION>");
  const after = one("after", "--after <MS>");
  if (since !== undefined && after !== undefined) {
    usage("--since and --after both set where the list starts; give one of them");
  }
  const before = one("before", "--before <MS>");
  const limit = one("limit", "--limit <N>");
  const name = one("name", "--name <NAME>");
  const pageToken = one("pageToken", "--page-token <TOKEN>");
  const cluster = one("cluster", "--cluster <ID>");
  const afterMs = after === undefined ? undefined : epochMs(after, "--after");
  const beforeMs = before === undefined ? undefined : epochMs(before, "--before", 1);
  // Said here in the flags' names; the node would name its fields (started_after, ...).
  if (afterMs !== undefined && beforeMs !== undefined && afterMs >= beforeMs) {
    usage(`--after (${afterMs}) must be before --before (${beforeMs}): nothing starts between`);
  }
  return {
    statuses: [...new Set(statuses)],
    ...(name === undefined ? {} : { name }),
    ...(since === undefined ? {} : { sinceMs: sinceMsOf(since) }),
    ...(afterMs === undefined ? {} : { startedAfterMs: afterMs }),
    ...(beforeMs === undefined ? {} : { startedBeforeMs: beforeMs }),
    ...(limit === undefined ? {} : { pageSize: pageSizeOf(limit) }),
    ...(pageToken === undefined ? {} : { pageToken }),
    ...(cluster === undefined ? {} : { cluster: clusterOf(cluster) }),
  };
}

/** Every value an option was given (cac makes an array of a repeated one). */
function values(value: unknown, flag: string): string[] {
  if (value === undefined) return [];
  const items = Array.isArray(value) ? value : [value];
  if (items.some((item) => typeof item === "boolean")) usage(`${flag} needs a value`);
  return items.map(String);
}

/** `least`: --before 0 would mean no bound to a node over gRPC, where 0 is "unset". */
function epochMs(text: string, flag: string, least = 0): number {
  if (!/^\d{1,16}$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < least) {
    const atLeast = least > 0 ? `, ${least} or more` : "";
    usage(`${flag} '${text}' must be a time in epoch milliseconds${atLeast}, e.g. 1767225600000`);
  }
  return Number(text);
}

function pageSizeOf(text: string): number {
  const size = Number(text);
  if (!/^\d+$/.test(text) || size < 1 || size > LIST_PAGE_SIZE_MAX) {
    usage(
      `--limit '${text}' must be a whole number from 1 to ${LIST_PAGE_SIZE_MAX} ` +
        `(default ${LIST_PAGE_SIZE_DEFAULT})`,
    );
  }
  return size;
}

function clusterOf(text: string): string {
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    usage(`--cluster '${text}' must be an execution cluster ID, 1 or more`);
  }
  return String(Number(text));
}

/** The syntax of every DURATION on the command line (client-help.ts), as retention's flags. */
function sinceMsOf(text: string): number {
  const ms = parseDurationMs(text);
  if (ms === undefined) {
    usage(
      `--since takes a duration such as 90s, 15m, 1h or 7d (a bare number is seconds); got '${text}'`,
    );
  }
  return ms;
}

function usage(message: string): never {
  throw new InvalidArgumentError(message);
}
