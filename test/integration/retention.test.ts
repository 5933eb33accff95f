// Retention of finished workflows on in-process nodes with real transports: the setting is
// changed through the CLI, every member of every execution group applies it from its own
// log (groups created later too), an evicted id is reported as evicted by describe, wait,
// signal and a repeated start, and the floor refuses new starts rather than evicting a
// fresh result.

import { afterEach, expect, test } from "bun:test";
import { RaftoralClient } from "../../src/client/index.ts";
import { type GroupId, RaftoralError, type RetentionSetting } from "../../src/lib/index.ts";
import { RaftoralNode } from "../../src/node/index.ts";
import { EVICTED_PHRASE } from "../../src/workflow/index.ts";
import { runCli } from "../support/cli-runner.ts";
import { FAST_TUNING, quietLogger, startInProcessCluster } from "../support/in-process-cluster.ts";
import { eventually, freePort } from "../support/ports.ts";

const nodes: RaftoralNode[] = [];
const clients: RaftoralClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
});

/** Every replica of every group, on every node, applied `wanted`. */
function everyReplicaHas(wanted: RetentionSetting): boolean {
  return nodes.every((node) =>
    [...node.managementState().groups.values()].every((group) =>
      group.members
        .filter((member) => member === node.nodeId)
        .every(() => {
          const applied = node.workflowState(group.id)?.retention();
          return JSON.stringify(applied) === JSON.stringify(wanted);
        }),
    ),
  );
}

/** The NOT_FOUND error a promise rejects with (or fails the test). */
async function rejection(promise: Promise<unknown>): Promise<RaftoralError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(RaftoralError);
  return error as RaftoralError;
}

test("retention set through the CLI: evicted ids say so, the floor refuses, new groups follow", async () => {
  const addresses = await startInProcessCluster({ size: 3, transport: "grpc", into: nodes });
  const address = addresses[0] as string;
  const client = new RaftoralClient(addresses, { timeoutMs: 15_000 });
  clients.push(client);
  await eventually("an execution group of 3", () =>
    [...(nodes[0]?.managementState().groups.values() ?? [])].some((g) => g.voters.length === 3),
  );

  await showAndSet(address);
  await evictedAnswers(client, address);
  await floorRefuses(client, address);
  await newGroupFollows(address);
  await evictedSeenFromAnotherGroup(client);
}, 150_000);

/** The bootstrap's setting, then a count of 2 without a floor, through the CLI. */
async function showAndSet(address: string): Promise<void> {
  // A new cluster starts with the defaults, recorded at bootstrap.
  const shown = await runCli(["cluster", "retention", "--address", address, "--json"]);
  expect(shown.code).toBe(0);
  expect(JSON.parse(shown.stdout)).toEqual({
    success: true,
    finished_max: 10_000,
    retain_for_ms: 0,
    retain_at_least_ms: 60_000,
    is_set: true,
  });

  // Keep 2, no floor: every member of the group applies it from the group's log.
  const set = await runCli([
    "cluster",
    "retention",
    "--address",
    address,
    "--count",
    "2",
    "--at-least",
    "0",
  ]);
  expect(set.code).toBe(0);
  expect(set.stdout).toContain("count     2 per execution cluster");
  const keepTwo = { finishedMax: 2, retainForMs: 0, retainAtLeastMs: 0 };
  await eventually("every replica applied the new setting", () => everyReplicaHas(keepTwo));
}

/** Four workflows past a count of 2: the first two answer "evicted" everywhere. */
async function evictedAnswers(client: RaftoralClient, address: string): Promise<void> {
  for (const id of ["job-1", "job-2", "job-3", "job-4"]) {
    await client.start("ping_pong", "ping", { workflowId: id });
    expect(await client.wait({ workflowId: id }, { timeoutMs: 20_000 })).toMatchObject({
      status: "completed",
    });
  }
  // job-1 and job-2 were evicted by the count of 2.
  const described = await rejection(client.describe({ workflowId: "job-1" }));
  expect(described.code).toBe("NOT_FOUND");
  expect(described.message).toContain(`workflow job-1 finished (Completed) and ${EVICTED_PHRASE}`);
  expect(described.message).toContain("2 finished workflows, at least 0s");
  const waited = await rejection(client.wait({ workflowId: "job-2" }, { timeoutMs: 5_000 }));
  expect(waited.code).toBe("NOT_FOUND");
  expect(waited.message).toContain(EVICTED_PHRASE);
  const signaled = await rejection(client.signal("job-1", "poke", null));
  expect(signaled.message).toContain(EVICTED_PHRASE);
  for (const stopped of [client.cancel("job-1"), client.terminate("job-2")]) {
    const refused = await rejection(stopped);
    expect(refused.code).toBe("NOT_FOUND");
    expect(refused.message).toContain(EVICTED_PHRASE);
  }
  // Through the CLI too, with the group named.
  const group = (await client.describe({ workflowId: "job-4" })).executionClusterId;
  const cliDescribe = await runCli([
    "workflow",
    "describe",
    "job-1",
    "--cluster",
    String(group),
    "--address",
    address,
  ]);
  expect(cliDescribe.code).toBe(1);
  expect(cliDescribe.stderr).toContain(EVICTED_PHRASE);
  // An id that never ran keeps the plain answer.
  const unknown = await rejection(client.describe({ workflowId: "never-ran" }));
  expect(unknown.code).toBe("NOT_FOUND");
  expect(unknown.message).not.toContain(EVICTED_PHRASE);
  // The evicted id must not run a second time: its start is refused, naming why.
  const again = await rejection(client.start("ping_pong", "ping", { workflowId: "job-1" }));
  expect(again.code).toBe("ALREADY_EXISTS");
  expect(again.message).toContain(EVICTED_PHRASE);
  expect(nodes[0]?.workflowState(group as GroupId)?.execution("job-1")).toBeUndefined();
  // The refused start released its claim on the id: nothing is left in the management state.
  await eventually("the claim on job-1 released", () =>
    nodes.every((node) => !node.managementState().workflowIdClaims.has("job-1")),
  );
}

/** A count of 1 under a floor of an hour: nothing can go, so a new start is refused. */
async function floorRefuses(client: RaftoralClient, address: string): Promise<void> {
  // A floor of an hour with a count of 1: the two kept results are minutes old, so nothing
  // may go, and a new start is refused instead of growing past the limit.
  const floor = await runCli([
    "cluster",
    "retention",
    "--address",
    address,
    "--count",
    "1",
    "--at-least",
    "1h",
  ]);
  expect(floor.code).toBe(0);
  await eventually("every replica applied the floor", () =>
    everyReplicaHas({ finishedMax: 1, retainForMs: 0, retainAtLeastMs: 3_600_000 }),
  );
  const refused = await rejection(client.start("ping_pong", "ping", { workflowId: "job-5" }));
  expect(refused.code).toBe("RESOURCE_EXHAUSTED");
  expect(refused.message).toContain("raftoral cluster retention");
  // Refused at apply, that Start can never commit: its starter's part of the claim goes, and
  // with it the claim, which no other starter holds.
  await eventually("the refused start's claim on job-5 gone", () =>
    nodes.every((node) => !node.managementState().workflowIdClaims.has("job-5")),
  );
  expect(await client.describe({ workflowId: "job-3" })).toMatchObject({ status: "completed" });
}

/** Three more nodes: the group splits, and the new group takes the setting as well. */
async function newGroupFollows(address: string): Promise<void> {
  // Three more nodes: the group splits, and the new group takes the setting as well.
  for (let k = 0; k < 3; k++) {
    const listen = `127.0.0.1:${await freePort()}`;
    const node = new RaftoralNode({
      listen,
      peers: [address],
      transport: "grpc",
      logger: quietLogger(),
      tuning: FAST_TUNING,
    });
    nodes.push(node);
    await node.start();
  }
  await eventually(
    "two execution groups of 3",
    () => {
      const groups = [...(nodes[0]?.managementState().groups.values() ?? [])];
      return groups.length === 2 && groups.every((g) => g.voters.length === 3);
    },
    60_000,
  );
  await eventually(
    "the new group's replicas applied the setting",
    () => everyReplicaHas({ finishedMax: 1, retainForMs: 0, retainAtLeastMs: 3_600_000 }),
    30_000,
  );
}

/**
 * From a node that does not host the group holding job-1, every answer about the evicted id
 * comes through a member: describe says evicted, and a caller-id start naming the other
 * group (its look-up asks job-1's group over the wire) still finds the id there and is
 * refused, never run in the other group.
 */
async function evictedSeenFromAnotherGroup(client: RaftoralClient): Promise<void> {
  const holder = (await client.describe({ workflowId: "job-4" })).executionClusterId as GroupId;
  const outsider = nodes.find((node) => node.workflowState(holder) === undefined);
  if (outsider === undefined) throw new Error(`every node hosts group ${holder}`);
  const remote = new RaftoralClient(outsider.address, { timeoutMs: 15_000 });
  clients.push(remote);
  const described = await rejection(remote.describe({ workflowId: "job-1" }));
  expect(described.code).toBe("NOT_FOUND");
  expect(described.message).toContain(EVICTED_PHRASE);
  // Naming the other group: the claim picks it, so only the look-up can find job-1's group.
  const other = [...outsider.managementState().groups.keys()].find((id) => id !== holder);
  if (other === undefined) throw new Error("only one execution group");
  const again = await rejection(
    remote.start("ping_pong", "ping", { workflowId: "job-1", executionClusterId: other }),
  );
  expect(again.code).toBe("ALREADY_EXISTS");
  expect(again.message).toContain(EVICTED_PHRASE);
  for (const node of nodes) {
    for (const id of node.managementState().groups.keys()) {
      expect(node.workflowState(id)?.execution("job-1")).toBeUndefined();
    }
  }
}

test("a node bootstrapped with a retention option records it; a bad one fails at once", async () => {
  const retention = { finishedMax: 3, retainForMs: 600_000, retainAtLeastMs: 0 };
  const listen = `127.0.0.1:${await freePort()}`;
  const node = new RaftoralNode({
    listen,
    bootstrap: true,
    transport: "http",
    logger: quietLogger(),
    tuning: FAST_TUNING,
    retention,
  });
  nodes.push(node);
  await node.start();
  expect(node.managementState().retention).toEqual(retention);
  // Its (one-member) execution group copies it into its own log.
  await eventually(
    "the execution group applied it",
    () => node.managementState().groups.size > 0 && everyReplicaHas(retention),
    20_000,
  );
  expect(
    () =>
      new RaftoralNode({
        listen,
        bootstrap: true,
        logger: quietLogger(),
        retention: { ...retention, retainAtLeastMs: 3_600_000 },
      }),
  ).toThrow(/--retain-at-least/);
}, 60_000);

test("--for drops results by the clock on an idle cluster too, not only at the next command", async () => {
  const addresses = await startInProcessCluster({ size: 1, transport: "grpc", into: nodes });
  const address = addresses[0] as string;
  const client = new RaftoralClient(addresses, { timeoutMs: 15_000 });
  clients.push(client);
  const set = await runCli([
    "cluster",
    "retention",
    "--address",
    address,
    "--for",
    "1s",
    "--at-least",
    "0",
  ]);
  expect(set.code).toBe(0);
  const quick = { finishedMax: 10_000, retainForMs: 1_000, retainAtLeastMs: 0 };
  await eventually("the group applied the setting", () => everyReplicaHas(quick));
  const done = await client.run("ping_pong", "ping", { workflowId: "idle-1" });
  expect(done).toMatchObject({ status: "completed" });
  // No command reaches the group after the result; its leader brings the time.
  expect((await client.describe("idle-1")).status).toBe("completed");
  const deadline = performance.now() + 20_000;
  let error: unknown;
  while (!(error instanceof RaftoralError) && performance.now() < deadline) {
    await Bun.sleep(100);
    error = await client.describe("idle-1").catch((caught: unknown) => caught);
  }
  expect(error).toBeInstanceOf(RaftoralError);
  expect((error as RaftoralError).code).toBe("NOT_FOUND");
  expect((error as RaftoralError).message).toContain(EVICTED_PHRASE);
  expect(error).toMatchObject({ code: "NOT_FOUND" });
}, 60_000);
