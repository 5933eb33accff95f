// The workflow list on the wire (NodeApi.listWorkflows): the request, the page, and the page
// token. The token is opaque to callers; inside it is the list position of the last workflow
// of the page (its start time and id), so the next page starts right after it whatever
// started or was pruned meanwhile. Checked here at the gateways and again by the node.

import { type GroupId, InvalidArgumentError, type NodeId } from "../lib/index.ts";

/** Workflows per page when the caller names no page size. */
export const LIST_PAGE_SIZE_DEFAULT = 50;
/** The largest page a caller may ask for. */
export const LIST_PAGE_SIZE_MAX = 1_000;
/** Longest page token accepted (a token holds a time and an id of at most 128 characters). */
const PAGE_TOKEN_CHARS_MAX = 512;
const PAGE_TOKEN_VERSION = "1";

/** GET /workflow/list and WorkflowManagement/ListWorkflows. */
export interface ListWorkflowsRequest {
  /** Any of these status words (running, sleeping, waiting, completed, failed); absent: all. */
  readonly statuses?: readonly string[];
  /** Exactly this workflow name (type). */
  readonly name?: string;
  /** Only workflows started at or after this time (epoch ms, inclusive). */
  readonly startedAfterMs?: number;
  /** Only workflows started before this time (epoch ms, exclusive). */
  readonly startedBeforeMs?: number;
  /** 1 to LIST_PAGE_SIZE_MAX; absent: LIST_PAGE_SIZE_DEFAULT. */
  readonly pageSize?: number;
  /** The previous page's nextPageToken; absent: the first page. */
  readonly pageToken?: string;
  /** Only this execution cluster; absent: every one. */
  readonly executionClusterId?: GroupId;
}

/** One listed workflow: what it is and where it stands, without input, output or calls. */
export interface WorkflowSummaryInfo {
  readonly workflowId: string;
  readonly executionClusterId: GroupId;
  readonly name: string;
  readonly version: number;
  /** running, sleeping, waiting, completed or failed (as describe says). */
  readonly status: string;
  readonly ownerNodeId: NodeId;
  readonly startedAtMs: number;
  readonly finishedAtMs?: number;
}

/** An execution cluster that could not answer: its workflows are missing from the page. */
export interface UnavailableClusterInfo {
  readonly executionClusterId: GroupId;
  /** Why, e.g. "execution cluster 3 has had no leader for 12 s". */
  readonly error: string;
}

export interface ListWorkflowsResult {
  /** Newest first by start time, then by workflow id (descending). */
  readonly workflows: readonly WorkflowSummaryInfo[];
  /** Present when more workflows match: pass it as pageToken for the next page. */
  readonly nextPageToken?: string;
  /** Clusters that did not answer; empty when the page is complete. */
  readonly unavailableClusters: readonly UnavailableClusterInfo[];
}

/** A position in the list: the start time and id of a listed workflow. */
export interface ListCursor {
  readonly startedAtMs: number;
  readonly workflowId: string;
}

export function encodePageToken(cursor: ListCursor): string {
  const text = `${PAGE_TOKEN_VERSION}.${cursor.startedAtMs}.${cursor.workflowId}`;
  return Buffer.from(text, "utf8").toString("base64url");
}

/** The cursor inside a token; INVALID_ARGUMENT for anything this node did not hand out. */
export function decodePageToken(token: string): ListCursor {
  const invalid = (why: string) =>
    new InvalidArgumentError(
      `page_token is not valid (${why}): pass the previous page's next_page_token unchanged ` +
        "(the CLI prints it after the page: --page-token <TOKEN>), or leave it out for the " +
        "first page",
    );
  if (token.length > PAGE_TOKEN_CHARS_MAX) throw invalid("too long");
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw invalid("not base64url text");
  const match = /^(\d+)\.(\d{1,16})\.([A-Za-z0-9][A-Za-z0-9._:@-]*)$/.exec(
    Buffer.from(token, "base64url").toString("utf8"),
  );
  if (match === null) throw invalid("malformed");
  const [, version, time, workflowId] = match;
  if (version !== PAGE_TOKEN_VERSION) throw invalid(`unknown version ${version}`);
  const startedAtMs = Number(time);
  if (!Number.isSafeInteger(startedAtMs) || workflowId === undefined) throw invalid("malformed");
  return { startedAtMs, workflowId };
}

/**
 * Checks what a gateway can check without the node: page size, times, the token. Throws
 * InvalidArgumentError naming the field and its rule.
 */
export function checkListRequest(request: ListWorkflowsRequest): void {
  const { pageSize, startedAfterMs, startedBeforeMs, pageToken } = request;
  if (pageSize !== undefined && !isWhole(pageSize, 1, LIST_PAGE_SIZE_MAX)) {
    throw new InvalidArgumentError(
      `page_size must be a whole number from 1 to ${LIST_PAGE_SIZE_MAX} ` +
        `(default ${LIST_PAGE_SIZE_DEFAULT}), got ${pageSize}`,
    );
  }
  for (const [field, value] of [
    ["started_after", startedAfterMs],
    ["started_before", startedBeforeMs],
  ] as const) {
    if (value !== undefined && !isWhole(value, 0, Number.MAX_SAFE_INTEGER)) {
      throw new InvalidArgumentError(
        `${field} must be a time in epoch milliseconds (a whole number >= 0), got ${value}`,
      );
    }
  }
  if (pageToken !== undefined) decodePageToken(pageToken);
}

function isWhole(value: number, min: number, max: number): boolean {
  return Number.isSafeInteger(value) && value >= min && value <= max;
}
