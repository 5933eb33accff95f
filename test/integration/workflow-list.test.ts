// Listing workflows on in-process nodes with real transports, across two execution groups
// (six nodes: the placement makes a second group only past five): any node lists the
// workflows of every group newest first, its own from its replica and the other group's
// through a member; filters and pages work across groups; a group whose members are all
// down is named in unavailable_clusters while the other group's workflows still come.

import { afterEach, expect, test } from "bun:test";
import { GrpcProtocolClient, RaftoralClient } from "../../src/client/index.ts";
import { type GroupId, MANAGEMENT_GROUP } from "../../src/lib/index.ts";
import type { RaftoralNode } from "../../src/node/index.ts";
import type { WorkflowSummaryInfo } from "../../src/transport/index.ts";
import { defineWorkflow } from "../../src/workflow/index.ts";
import { startInProcessCluster } from "../support/in-process-cluster.ts";
import { eventually } from "../support/ports.ts";

const nodes: RaftoralNode[] = [];
const clients: RaftoralClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
});

/** Waits for a "go" event (up to a minute): a workflow that stays "waiting". */
const hold = defineWorkflow("hold", 1, async (_input: null, ctx) => {
  await ctx.waitForEvent("go", { timeout: "60s" });
  return "held";
});

const ids = (workflows: readonly WorkflowSummaryInfo[]) => workflows.map((w) => w.workflowId);

interface TwoGroups {
  readonly addresses: readonly string[];
  readonly first: GroupId;
  readonly second: GroupId;
  /** Indexes into `nodes` of the group's members. */
  readonly hostsOf: (id: GroupId) => number[];
  readonly client: RaftoralClient;
  /** The workflows started, newest first. */
  readonly newestFirst: readonly string[];
}

/**
 * Six nodes in two execution groups; w-0..w-5 started alternately in each: w-3 fails,
 * w-4 and w-5 wait for an event, the others complete.
 */
async function twoGroupsWithWorkflows(): Promise<TwoGroups> {
  const addresses = await startInProcessCluster({
    size: 6,
    transport: "grpc",
    into: nodes,
    workflows: [hold],
  });
  await eventually(
    "two execution groups of three",
    () => {
      const groups = [...(nodes[0]?.managementState().groups.values() ?? [])];
      return groups.map((group) => group.voters.length).join(",") === "3,3";
    },
    60_000,
  );
  const groups = [...(nodes[0]?.managementState().groups.values() ?? [])];
  const first = groups[0]?.id;
  const second = groups[1]?.id;
  if (first === undefined || second === undefined) throw new Error("two groups expected");
  const client = listClient(addresses);
  // One at a time, so that their start times (the proposers' clocks) increase.
  const started: string[] = [];
  for (const [k, group] of [first, second, first, second, first, second].entries()) {
    const workflowId = `w-${k}`;
    const isHeld = k >= 4;
    await client.start(isHeld ? "hold" : "ping_pong", isHeld ? null : k === 3 ? "bad" : "ping", {
      workflowId,
      executionClusterId: group,
    });
    if (!isHeld) await client.wait({ workflowId }, { timeoutMs: 15_000 });
    started.push(workflowId);
    await Bun.sleep(5);
  }
  const hostsOf = (id: GroupId): number[] => {
    const members = groups.find((group) => group.id === id)?.members ?? [];
    return members.map((member) => nodes.findIndex((node) => node.nodeId === member));
  };
  return { addresses, first, second, hostsOf, client, newestFirst: [...started].reverse() };
}

function listClient(addresses: string | readonly string[]): RaftoralClient {
  const client = new RaftoralClient(typeof addresses === "string" ? addresses : [...addresses], {
    timeoutMs: 15_000,
  });
  clients.push(client);
  return client;
}

/** Pages of two until the end; a workflow starts in `group` after the first page. */
async function allPages(client: RaftoralClient, group: GroupId): Promise<string[]> {
  const paged: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.list({
      pageSize: 2,
      ...(token === undefined ? {} : { pageToken: token }),
    });
    expect(page.workflows.length).toBeLessThanOrEqual(2);
    paged.push(...ids(page.workflows));
    if (paged.length === 2) {
      await client.start("ping_pong", "ping", { workflowId: "late", executionClusterId: group });
    }
    token = page.nextPageToken;
  } while (token !== undefined);
  return paged;
}

test("any node lists every execution group's workflows, filtered and paged", async () => {
  const { addresses, first, second, hostsOf, client, newestFirst } = await twoGroupsWithWorkflows();
  // A node of the first group and one of the second see the same list, from both groups.
  for (const index of [hostsOf(first)[0], hostsOf(second)[0]]) {
    const page = await listClient(addresses[index ?? 0] as string).list();
    expect(ids(page.workflows)).toEqual([...newestFirst]);
    expect(page.unavailableClusters).toEqual([]);
    expect(page.nextPageToken).toBeUndefined();
    const clusters = new Set(page.workflows.map((w) => w.executionClusterId));
    expect(clusters).toEqual(new Set([first, second]));
  }
  const all = await client.list();
  expect(all.workflows.find((w) => w.workflowId === "w-3")).toMatchObject({
    status: "failed",
    name: "ping_pong",
    executionClusterId: second,
  });
  const waiting = await client.list({ statuses: ["waiting"] });
  expect(ids(waiting.workflows)).toEqual(["w-5", "w-4"]);
  const done = await client.list({ statuses: ["completed", "failed"], name: "ping_pong" });
  expect(ids(done.workflows)).toEqual(["w-3", "w-2", "w-1", "w-0"]);
  const inCluster = await client.list({ executionClusterId: second });
  expect(ids(inCluster.workflows)).toEqual(["w-5", "w-3", "w-1"]);
  // Pages across both groups; "late" starts above the cursor and does not shift them.
  expect(await allPages(client, first)).toEqual([...newestFirst]);

  // Every member of the second group stops: its workflows are missing, and it says so.
  await Promise.all(hostsOf(second).map((index) => nodes[index]?.stop()));
  const survivor = addresses[hostsOf(first)[0] ?? 0] as string;
  const page = await listClient(survivor).list({ name: "ping_pong", timeoutMs: 30_000 });
  expect(ids(page.workflows)).toEqual(["late", "w-2", "w-0"]);
  expect(page.unavailableClusters.map((cluster) => cluster.executionClusterId)).toEqual([second]);
  expect(page.unavailableClusters[0]?.error).not.toBe("");
}, 180_000);

test("a learner that lost the management group's leader lists what it knows at once", async () => {
  const addresses = await startInProcessCluster({ size: 3, transport: "grpc", into: nodes });
  await listClient(addresses[0] as string).start("ping_pong", "ping", { workflowId: "before" });
  // Two nodes left: one management voter, and a learner, which never campaigns.
  await nodes[2]?.leave();
  const managementOf = (index: number) =>
    nodes[index]?.raftHost()?.inspect(MANAGEMENT_GROUP)?.status().confState;
  await eventually("one management voter of two nodes", () => managementOf(0)?.voters.length === 1);
  const voter = nodes.findIndex((node) => managementOf(0)?.voters.includes(node.nodeId));
  const learner = voter === 0 ? 1 : 0;
  await nodes[voter]?.stop();
  // Once the learner counts both groups leaderless it says so; it still names the leader.
  const client = listClient(addresses[learner] as string);
  let health = "";
  while (health !== "unavailable") {
    health = (await client.health({ timeoutMs: 1_000 })).status;
  }
  const node = new GrpcProtocolClient(addresses[learner] as string);
  const began = performance.now();
  const page = await node.listWorkflows({}, { timeoutMs: 30_000 });
  const tookMs = performance.now() - began;
  await node.close();
  // Before, the management barrier waited out its 10 s deadline for that leader.
  expect(tookMs).toBeLessThan(5_000);
  expect(page.workflows).toEqual([]);
  expect(page.unavailableClusters.map((cluster) => Number(cluster.executionClusterId))).toEqual([
    1,
  ]);
}, 120_000);
