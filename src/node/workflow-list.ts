// Listing workflows (NodeApi.listWorkflows): every execution group is asked at once for its
// first page past the cursor (here after a read barrier if this node hosts it, else through
// a member with the group named), and the answers are merged newest first. The global first
// N lie within the union of each group's first N, so one round per page is enough. A group
// that cannot answer is named in unavailableClusters: its workflows are missing, never
// silently.

import { type GroupId, InvalidArgumentError, RaftoralError, toError } from "../lib/index.ts";
import {
  checkListRequest,
  decodePageToken,
  encodePageToken,
  LIST_PAGE_SIZE_DEFAULT,
  type ListWorkflowsRequest,
  type ListWorkflowsResult,
  type UnavailableClusterInfo,
  type WorkflowSummaryInfo,
} from "../transport/index.ts";
import {
  checkWorkflowId,
  compareStartKeys,
  DESCRIBED_STATUSES,
  type DescribedStatus,
  isDescribedStatus,
  type ListQuery,
  NAME_CHARS_MAX,
} from "../workflow/index.ts";
import { caughtUpGroups } from "./evicted-lookup.ts";
import type { LookupDeps } from "./workflow-describe.ts";

/** A look-up by workflow id's needs (LookupDeps), and the refusal of replicas that cannot serve. */
export interface ListDeps extends LookupDeps {
  /** UNAVAILABLE at once if hosted group `id` cannot serve now (replica-refusal.ts). */
  readonly refuseIfUnserved: (id: GroupId) => void;
}

/** One group's answer: its first matches past the cursor, and whether more match there. */
interface GroupPage {
  readonly workflows: readonly WorkflowSummaryInfo[];
  readonly hasMore: boolean;
}

export async function listWorkflows(
  deps: ListDeps,
  request: ListWorkflowsRequest,
): Promise<ListWorkflowsResult> {
  const query = parseListQuery(request);
  if (request.executionClusterId !== undefined) {
    // One cluster named (a caller, or another node fanning out): its failure is the answer.
    const id = await deps.resolveGroup(request.executionClusterId);
    return pageOf([await listIn(deps, id, request, query)], query.limit, []);
  }
  // Every group created before the call, also on a node whose view of them lags.
  const groups = await caughtUpGroups(deps);
  const pages: GroupPage[] = [];
  const unavailable: UnavailableClusterInfo[] = [];
  await Promise.all(
    groups.map(async (id) => {
      try {
        pages.push(await listIn(deps, id, request, query));
      } catch (error) {
        // A bad request is the caller's to fix, whichever group noticed it.
        if ((error as RaftoralError).code === "INVALID_ARGUMENT") throw error;
        // Handled: the group is reported, not dropped (see the file header).
        unavailable.push({ executionClusterId: id, error: toError(error).message });
      }
    }),
  );
  unavailable.sort((a, b) => a.executionClusterId - b.executionClusterId);
  return pageOf(pages, query.limit, unavailable);
}

/** The request as a state-machine query; INVALID_ARGUMENT naming the field if it is bad. */
export function parseListQuery(request: ListWorkflowsRequest): ListQuery {
  checkListRequest(request);
  const { name, startedAfterMs, startedBeforeMs, pageToken } = request;
  // 0 is "unset" in gRPC, and calls forwarded between nodes go over it: as a bound it would
  // list nothing from this node's groups and everything from the others'.
  if (startedBeforeMs === 0) {
    throw new InvalidArgumentError(
      "started_before must be 1 or more (epoch milliseconds); leave it out for no upper bound",
    );
  }
  if (
    startedAfterMs !== undefined &&
    startedBeforeMs !== undefined &&
    startedAfterMs >= startedBeforeMs
  ) {
    throw new InvalidArgumentError(
      `started_after (${startedAfterMs}) must be before started_before (${startedBeforeMs})`,
    );
  }
  if (name !== undefined && (name.length === 0 || name.length > NAME_CHARS_MAX)) {
    throw new InvalidArgumentError(
      `name must have 1 to ${NAME_CHARS_MAX} characters (a workflow name, matched exactly)`,
    );
  }
  const after = pageToken === undefined ? undefined : decodePageToken(pageToken);
  if (after !== undefined) checkWorkflowId(after.workflowId, "page_token's workflow id");
  return {
    statuses: parseStatuses(request.statuses ?? []),
    ...(name === undefined ? {} : { name }),
    ...(startedAfterMs === undefined ? {} : { startedAfterMs }),
    ...(startedBeforeMs === undefined ? {} : { startedBeforeMs }),
    ...(after === undefined ? {} : { after }),
    limit: request.pageSize ?? LIST_PAGE_SIZE_DEFAULT,
  };
}

function parseStatuses(words: readonly string[]): DescribedStatus[] {
  const statuses = new Set<DescribedStatus>();
  for (const word of words) {
    if (!isDescribedStatus(word)) {
      throw new InvalidArgumentError(
        `status '${word}' is not one of ${DESCRIBED_STATUSES.join(", ")}`,
      );
    }
    statuses.add(word);
  }
  return [...statuses];
}

/** Group `id`'s first page past the cursor, here or through a member. */
async function listIn(
  deps: ListDeps,
  id: GroupId,
  request: ListWorkflowsRequest,
  query: ListQuery,
): Promise<GroupPage> {
  const machine = await deps.machineOf(id);
  if (machine === undefined) {
    const answer = await deps.forward(id, (client) =>
      client.listWorkflows(
        { ...request, executionClusterId: id, pageSize: query.limit },
        { timeoutMs: deps.forwardTimeoutMs },
      ),
    );
    return { workflows: answer.workflows, hasMore: answer.nextPageToken !== undefined };
  }
  deps.refuseIfUnserved(id);
  // Everything committed before this call is listed, even on a member that lags behind.
  await deps.barrier(id).catch((error: unknown) => {
    throw new RaftoralError(
      "UNAVAILABLE",
      `execution cluster ${id} did not answer: ${toError(error).message}`,
      { cause: error },
    );
  });
  const page = machine.list(query);
  const workflows = page.summaries.map(
    (summary): WorkflowSummaryInfo => ({
      workflowId: summary.workflowId,
      executionClusterId: id,
      name: summary.name,
      version: summary.version,
      status: summary.status,
      ownerNodeId: summary.owner,
      startedAtMs: summary.startedAtMs,
      ...(summary.finishedAtMs === undefined ? {} : { finishedAtMs: summary.finishedAtMs }),
    }),
  );
  return { workflows, hasMore: page.hasMore };
}

/** The first `limit` of the groups' pages merged newest first, and the token past them. */
function pageOf(
  pages: readonly GroupPage[],
  limit: number,
  unavailableClusters: readonly UnavailableClusterInfo[],
): ListWorkflowsResult {
  const merged = pages.flatMap((page) => page.workflows).sort((a, b) => compareStartKeys(b, a));
  // A drained group's results may be in it and in its heir for a moment: show them once.
  const seen = new Set<string>();
  const unique = merged.filter((w) => !seen.has(w.workflowId) && seen.add(w.workflowId));
  const workflows = unique.slice(0, limit);
  const last = workflows.at(-1);
  const hasMore = unique.length > limit || pages.some((page) => page.hasMore);
  return {
    workflows,
    ...(hasMore && last !== undefined ? { nextPageToken: encodePageToken(last) } : {}),
    unavailableClusters,
  };
}
