// Workflow calls made while every node of the cluster restarts at once, over HTTP: each node
// resumes its management state, then checks its storage in (about a second), and only then
// runs its execution groups. A call for a group in that second used to be forwarded to
// another member, itself resuming, which forwarded it back, until the two nodes' connections
// to each other ran out: every call between them then waited 10-55 s for a timeout. Now a
// member that does not run its group yet answers UNAVAILABLE at once. And a client's wait keeps
// asking, within its own time, while no node can answer; so does a start without an id, which
// must not be done twice, since a node starting says it did nothing for it.

import { afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import { HttpProtocolClient, RaftoralClient } from "../../src/client/index.ts";
import { NodeProcessCluster } from "../support/node-process-cluster.ts";

const WORKFLOWS = join(import.meta.dir, "fixtures", "multi-step-workflows.ts");
/** Far below the 30 s a forwarded call may take: a call that hangs fails the test. */
const CALL_TIMEOUT_MS = 8_000;

let cluster: NodeProcessCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

test("calls during a restart of every node are answered at once, then served", async () => {
  cluster = new NodeProcessCluster("http", ["--workflows", WORKFLOWS]);
  const current = cluster;
  for (let k = 0; k < 3; k++) await current.add();
  const first = current.nodes[0]?.address ?? "";
  const client = new HttpProtocolClient(first);
  const request = { workflowType: "one_step", version: 1, input: null, workflowId: "before" };
  expect(await client.runWorkflow(request, { timeoutMs: 30_000 })).toMatchObject({
    success: true,
  });
  for (const node of current.nodes) await current.kill(node);
  let isUp = false;
  const launched = Promise.all(current.nodes.map((node) => current.launch(node))).finally(() => {
    isUp = true;
  });
  const codes = new Set<string>();
  while (!isUp) {
    const answer = await client
      .describeWorkflow({ workflowId: "before" }, { timeoutMs: CALL_TIMEOUT_MS })
      .then(
        (info) => info.status,
        (error: { code?: string }) => error.code ?? "no code",
      );
    codes.add(answer);
    expect(answer).not.toBe("TIMEOUT");
    await Bun.sleep(50);
  }
  await launched;
  expect(
    await client.describeWorkflow({ workflowId: "before" }, { timeoutMs: CALL_TIMEOUT_MS }),
  ).toMatchObject({ status: "completed" });
  // The calls met the nodes starting, not only the ones before and after.
  expect(codes.has("UNAVAILABLE")).toBe(true);
  await client.close();
}, 120_000);

test("a wait asked while every node is down gets its result once they are back", async () => {
  cluster = new NodeProcessCluster("http", ["--workflows", WORKFLOWS]);
  const current = cluster;
  const node = await current.add();
  const client = new RaftoralClient([`http://${node.address}`]);
  const started = await client.start({ name: "one_step", version: 1 }, null, {
    workflowId: "done-before",
  });
  await client.wait(started);
  await current.kill(node);
  // Asked while nothing listens: before, it gave up after one round of attempts.
  const waited = client.wait(started, { timeoutMs: 60_000 });
  await current.launch(node);
  expect(await waited).toMatchObject({ status: "completed", output: "pong" });
  await client.close();
}, 120_000);

test("a start without an id sent to a node still starting waits for it", async () => {
  cluster = new NodeProcessCluster("http", ["--workflows", WORKFLOWS]);
  const current = cluster;
  for (let k = 0; k < 3; k++) await current.add();
  const first = current.nodes[0]?.address ?? "";
  const probe = new HttpProtocolClient(first);
  const client = new RaftoralClient([`http://${first}`]);
  const before = await client.start({ name: "one_step", version: 1 }, null);
  await client.wait(before);
  for (const node of current.nodes) await current.kill(node);
  const launched = Promise.all(current.nodes.map((node) => current.launch(node)));
  // The first answer of the node: it listens before it runs its groups.
  let health: string | undefined;
  while (health === undefined) {
    health = await probe.health({ timeoutMs: 1_000 }).then(
      (info) => info.status,
      () => undefined,
    );
  }
  expect(health).not.toBe("ok");
  // Refused at first ("still starting"): before, that ended the start at once.
  const started = await client.start({ name: "one_step", version: 1 }, null, {
    timeoutMs: 30_000,
  });
  expect(await client.wait(started, { timeoutMs: 30_000 })).toMatchObject({
    status: "completed",
  });
  await launched;
  await probe.close();
  await client.close();
}, 120_000);
