// A node restarted alone after its whole cluster went down: its management group has no
// leader, so its storage check-in gets no answer. It says so at warn, its status claims no
// leader and no failure survived, where the state's last reports said otherwise, and a
// recovery asked for then finds the management group leaderless since the restart.

import { expect, test } from "bun:test";
import { join } from "node:path";
import { createLogger } from "../../src/lib/index.ts";
import { freePort } from "../support/ports.ts";
import { restartableNodes } from "../support/restartable-nodes.ts";

const fixture = restartableNodes();
const TUNING = { tickIntervalMs: 20, reconcileIntervalMs: 100, failureTimeoutMs: 5_000 };

async function until(what: string, isDone: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = performance.now() + 45_000;
  while (!(await isDone())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

test("a node restarted alone says why it waits, and its status claims nothing stale", async () => {
  const directory = fixture.directory("raftoral-lone-");
  const addresses = await Promise.all([1, 2, 3].map(async () => `127.0.0.1:${await freePort()}`));
  const [first] = addresses as [string];
  const member = (k: number) =>
    fixture.member({
      listen: addresses[k] as string,
      storagePath: join(directory, `s${k}`),
      tuning: TUNING,
      ...(k === 0 ? {} : { peers: [first] }),
    });
  const nodes = [member(0)];
  await nodes[0]?.start();
  for (const k of [1, 2]) {
    const node = member(k);
    nodes.push(node);
    await node.start();
  }
  const client = fixture.client(first, { transport: "http", timeoutMs: 5_000 });
  await until("three voters with a leader", async () => {
    const status = await client.status();
    return status.groups[0]?.voters.length === 3 && status.faultTolerance === 1;
  });
  await Promise.all(nodes.map((node) => node.stop()));

  const lines: string[] = [];
  const alone = fixture.made({
    listen: first,
    storagePath: join(directory, "s0"),
    transport: "http",
    tuning: TUNING,
    logger: createLogger({ level: "warn", format: "text", write: (line) => lines.push(line) }),
  });
  // It cannot be ready without the others; its start is left to the fixture's stop.
  alone.start().catch(() => undefined);
  await until("the check-in's warning", () =>
    lines.some((line) => line.includes("storage is not checked in yet")),
  );
  const status = await client.status();
  expect(status.managementLeaderNodeId).toBe(0 as never);
  expect(status.managementFaultTolerance).toBe(0);
  expect(status.faultTolerance).toBe(0);
  expect(status.groups.map((group) => [group.leaderId, group.faultTolerance])).toEqual([
    [0, 0],
  ] as never);
  // A recovery asked for now knows how long the management group has had no leader: the
  // watch runs from the restart, not from the first question.
  const dryRun = await client.recover({ dryRun: true });
  expect(dryRun.groups.map((group) => group.groupId)).toEqual([0] as never);
  expect(dryRun.groups[0]?.leaderlessMs).toBeGreaterThan(5_000);
}, 120_000);
