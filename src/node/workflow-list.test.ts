// The node's fan-out of a workflow list: groups hosted here answer from their state machine
// after a barrier, others through a member (with the group named), and the pages merge
// newest first; a group that cannot answer is named, never dropped in silence.

import { describe, expect, test } from "bun:test";
import type { ProtocolClient } from "../client/index.ts";
import { type GroupId, groupId, type LogIndex, nodeId, RaftoralError } from "../lib/index.ts";
import type { ListWorkflowsRequest, ListWorkflowsResult } from "../transport/index.ts";
import {
  encodeCommand,
  registryWithBuiltins,
  type WorkflowCommand,
  WorkflowStateMachine,
} from "../workflow/index.ts";
import { type ListDeps, listWorkflows } from "./workflow-list.ts";

function machineWith(starts: ReadonlyArray<readonly [string, number]>): WorkflowStateMachine {
  const machine = new WorkflowStateMachine({ registry: registryWithBuiltins() });
  let index = 0;
  for (const [workflowId, startedAtMs] of starts) {
    const command: WorkflowCommand = {
      type: "Start",
      workflowId,
      name: "ping_pong",
      version: 1,
      input: "ping",
      owner: nodeId(1),
      startedAtMs,
      seed: 1,
      runtimeVersion: 1,
    };
    machine.apply(encodeCommand(command), ++index as LogIndex);
  }
  return machine;
}

interface Cluster {
  /** Groups hosted on "this" node. */
  readonly local: ReadonlyMap<GroupId, WorkflowStateMachine>;
  /** Groups hosted only on "another" node. */
  readonly remote: ReadonlyMap<GroupId, WorkflowStateMachine>;
  /** Groups whose members do not answer. */
  readonly down?: readonly GroupId[];
}

/** What a node of `cluster` uses; `hosted` are its own groups, the rest are forwarded. */
function depsOf(
  cluster: Cluster,
  hosted: ReadonlyMap<GroupId, WorkflowStateMachine>,
  forwarded: ListWorkflowsRequest[] = [],
): ListDeps {
  const all = [...cluster.local.keys(), ...cluster.remote.keys(), ...(cluster.down ?? [])];
  return {
    groups: () => all.sort((a, b) => a - b),
    catchUpManagement: async () => undefined,
    resolveGroup: async (id) => id,
    machineOf: async (id) => hosted.get(id),
    refuseIfUnserved: () => undefined,
    barrier: async () => undefined,
    forwardTimeoutMs: 1_000,
    forward: async (id, call) => {
      if (cluster.down?.includes(id)) {
        throw new RaftoralError("UNAVAILABLE", `no member of execution cluster ${id} answered`);
      }
      // The other node hosts every remote group and answers for the one named.
      const other = depsOf(cluster, cluster.remote);
      const client = {
        listWorkflows: (request: ListWorkflowsRequest) => {
          forwarded.push(request);
          return listWorkflows(other, request);
        },
      } as unknown as ProtocolClient;
      return call(client);
    },
  };
}

const ids = (result: ListWorkflowsResult) => result.workflows.map((w) => w.workflowId);

describe("listWorkflows (node)", () => {
  const cluster: Cluster = {
    local: new Map([
      [
        groupId(1),
        machineWith([
          ["a1", 100],
          ["a2", 400],
          ["a3", 700],
        ]),
      ],
      [
        groupId(2),
        machineWith([
          ["b1", 200],
          ["b2", 500],
        ]),
      ],
    ]),
    remote: new Map([
      [
        groupId(3),
        machineWith([
          ["c1", 300],
          ["c2", 600],
          ["c3", 400],
        ]),
      ],
    ]),
  };

  test("merges every group newest first, pages with the token, and ends without one", async () => {
    const forwarded: ListWorkflowsRequest[] = [];
    const deps = depsOf(cluster, cluster.local, forwarded);
    const first = await listWorkflows(deps, { pageSize: 3 });
    expect(ids(first)).toEqual(["a3", "c2", "b2"]);
    expect(first.workflows[1]).toMatchObject({ executionClusterId: 3, status: "running" });
    expect(first.unavailableClusters).toEqual([]);
    // Group 3 was asked through a member, named, for a page of the same size.
    expect(forwarded).toEqual([{ pageSize: 3, executionClusterId: groupId(3) }]);
    const token = first.nextPageToken;
    expect(token).toBeString();
    const second = await listWorkflows(deps, {
      pageSize: 3,
      ...(token ? { pageToken: token } : {}),
    });
    // Equal start times (a2, c3 at 400) order by id, descending.
    expect(ids(second)).toEqual(["c3", "a2", "c1"]);
    const last = await listWorkflows(deps, {
      pageSize: 3,
      ...(second.nextPageToken ? { pageToken: second.nextPageToken } : {}),
    });
    expect(ids(last)).toEqual(["b1", "a1"]);
    expect(last.nextPageToken).toBeUndefined();
  });

  test("a group that cannot answer is named; the others' workflows still come", async () => {
    const withDown: Cluster = { ...cluster, down: [groupId(4)] };
    const result = await listWorkflows(depsOf(withDown, withDown.local), { pageSize: 50 });
    expect(ids(result)).toHaveLength(8);
    expect(result.unavailableClusters).toEqual([
      { executionClusterId: groupId(4), error: "no member of execution cluster 4 answered" },
    ]);
  });

  test("a node whose view of the groups lags catches up first: none is missing", async () => {
    // A node that has just joined knows no execution group yet; the management group does.
    let isCaughtUp = false;
    const all = depsOf(cluster, cluster.local);
    const deps: ListDeps = {
      ...all,
      groups: () => (isCaughtUp ? all.groups() : []),
      catchUpManagement: async () => {
        isCaughtUp = true;
      },
    };
    const result = await listWorkflows(deps, { pageSize: 50 });
    expect(ids(result)).toHaveLength(8);
    // Knowing no group and unable to catch up, it says so rather than list nothing.
    const noLeader = new RaftoralError("NO_LEADER", "the management group has no leader");
    const stuck: ListDeps = {
      ...all,
      groups: () => [],
      catchUpManagement: async () => {
        throw noLeader;
      },
    };
    await expect(listWorkflows(stuck, {})).rejects.toBe(noLeader);
  });

  test("a named group that cannot answer fails the call", async () => {
    const withDown: Cluster = { ...cluster, down: [groupId(4)] };
    const listing = listWorkflows(depsOf(withDown, withDown.local), {
      executionClusterId: groupId(4),
    });
    await expect(listing).rejects.toMatchObject({ code: "UNAVAILABLE" });
  });

  test("a hosted group whose barrier fails is reported UNAVAILABLE, naming it", async () => {
    const deps: ListDeps = {
      ...depsOf(cluster, cluster.local),
      barrier: async (id) => {
        if (id === 2) throw new RaftoralError("TIMEOUT", "read barrier timed out after 10000 ms");
      },
    };
    const result = await listWorkflows(deps, {});
    expect(ids(result)).not.toContain("b1");
    expect(result.unavailableClusters).toEqual([
      {
        executionClusterId: groupId(2),
        error: "execution cluster 2 did not answer: read barrier timed out after 10000 ms",
      },
    ]);
  });

  test.each([
    [
      { statuses: ["done"] },
      "status 'done' is not one of running, sleeping, waiting, completed, failed",
    ],
    [
      { startedAfterMs: 5, startedBeforeMs: 5 },
      "started_after (5) must be before started_before (5)",
    ],
    [{ startedBeforeMs: 0 }, "started_before must be 1 or more (epoch milliseconds)"],
    [{ name: "" }, "name must have 1 to 128 characters"],
    [{ pageToken: "bad!" }, "page_token is not valid"],
    [{ pageSize: 0 }, "page_size must be a whole number from 1 to 1000"],
  ])("%j is INVALID_ARGUMENT", async (request, message) => {
    const listing = listWorkflows(depsOf(cluster, cluster.local), request);
    await expect(listing).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(listing).rejects.toThrow(message);
  });

  test("filters reach the groups, forwarded ones included", async () => {
    const result = await listWorkflows(depsOf(cluster, cluster.local), {
      startedAfterMs: 300,
      startedBeforeMs: 600,
      statuses: ["running", "running"],
    });
    expect(ids(result)).toEqual(["b2", "c3", "a2", "c1"]);
  });
});
