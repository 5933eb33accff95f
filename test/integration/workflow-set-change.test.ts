// A node restarted with other --workflows than its peers (a rolling upgrade, a rollback)
// applies the same log as they do. Before, a replica without a workflow's code refused its
// Start when it replayed the log: its state lost those workflows, and once it led the group
// its snapshots spread that loss to every replica, completed results included.

import { beforeEach, expect, test } from "bun:test";
import { join } from "node:path";
import { groupId } from "../../src/lib/index.ts";
import type { RaftoralNode } from "../../src/node/index.ts";
import { defineWorkflow } from "../../src/workflow/index.ts";
import { freePort } from "../support/ports.ts";
import { restartableNodes } from "../support/restartable-nodes.ts";

const fixture = restartableNodes();
let directory = "";
beforeEach(() => {
  directory = fixture.directory("raftoral-set-change-");
});

const doubled = defineWorkflow("doubled", 2, async (n: number, ctx) =>
  ctx.step("double", () => n * 2),
);
const tripled = defineWorkflow("tripled", 1, async (n: number, ctx) =>
  ctx.step("triple", () => n * 3),
);

function node(options: {
  listen: string;
  storage: string;
  peers?: string[];
  workflows: (typeof doubled | typeof tripled)[];
}): RaftoralNode {
  const { storage, ...member } = options;
  return fixture.member({
    ...member,
    storagePath: join(directory, storage),
    // No snapshot before the restart: the replica replays every Start from its log.
    tuning: { tickIntervalMs: 20, reconcileIntervalMs: 100 },
  });
}

async function until(what: string, isDone: () => boolean): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (!isDone()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

test("a replica restarted without a workflow's code keeps that workflow's records", async () => {
  const addresses = await Promise.all([1, 2, 3].map(async () => `127.0.0.1:${await freePort()}`));
  const [first, second, third] = addresses as [string, string, string];
  const a = node({ listen: first, storage: "a", workflows: [doubled] });
  await a.start();
  const b = node({ listen: second, storage: "b", peers: [first], workflows: [doubled] });
  await b.start();
  const rolledBack = node({ listen: third, storage: "c", peers: [first], workflows: [doubled] });
  await rolledBack.start();
  const client = fixture.client(addresses, { transport: "http" });
  for (const id of ["d-1", "d-2", "d-3"]) {
    const ran = await client.run("doubled", 21, { version: 2, workflowId: id });
    expect(ran).toMatchObject({ status: "completed", output: 42 });
  }
  await until("the third replica to apply them", () =>
    ["d-1", "d-2", "d-3"].every(
      (id) => rolledBack.workflowState(groupId(1))?.status(id)?.status === "Completed",
    ),
  );

  // Back to the code before doubled@2: restarted from its own storage, it replays its log.
  await rolledBack.stop();
  const restarted = node({ listen: third, storage: "c", peers: [first], workflows: [] });
  await restarted.start();
  expect(restarted.workflowState(groupId(1))?.lastAppliedIndex()).toBeGreaterThan(0);
  await until("the restarted replica to replay its log", () =>
    ["d-1", "d-2", "d-3"].every(
      (id) => restarted.workflowState(groupId(1))?.status(id)?.status === "Completed",
    ),
  );
  // It still serves the others' results, and its state equals theirs.
  expect(await client.describe("d-2")).toMatchObject({ status: "completed", output: 42 });
  const listed = (made: RaftoralNode | undefined) =>
    made
      ?.workflowState(groupId(1))
      ?.list({ limit: 100 })
      .summaries.map((summary) => `${summary.workflowId} ${summary.status}`);
  expect(listed(restarted)).toEqual(listed(a));
  expect(listed(b)).toEqual(listed(a));
}, 90_000);

test("a rolling upgrade: after a restart with new code, new nodes join with either set", async () => {
  const addresses = await Promise.all(
    [1, 2, 3, 4].map(async () => `127.0.0.1:${await freePort()}`),
  );
  const [first, second, third, fourth] = addresses as [string, string, string, string];
  await node({ listen: first, storage: "u-a", workflows: [doubled] }).start();
  const upgraded = node({ listen: second, storage: "u-b", peers: [first], workflows: [doubled] });
  await upgraded.start();
  await upgraded.stop();
  await node({ listen: second, storage: "u-b", workflows: [doubled, tripled] }).start();

  // The restart recorded the new set: a new node may run it (or the old one), not a third.
  const joiner = node({
    listen: third,
    storage: "u-c",
    peers: [first],
    workflows: [doubled, tripled],
  });
  await joiner.start();
  const stranger = node({ listen: fourth, storage: "u-d", peers: [first], workflows: [tripled] });
  const refusal = await stranger.start().catch((error: unknown) => error as Error);
  expect(refusal?.message).toContain("differs from every member's");
  expect(joiner.managementState().nodes.size).toBe(3);
}, 90_000);
