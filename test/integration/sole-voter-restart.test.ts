// A single-node cluster restarted from its storage is ready at once: every group it restores
// has this node as its only voter, so it elects itself without waiting out an election
// timeout. The timeout here is a minute or more; the test's patience is far less.

import { expect, test } from "bun:test";
import { RaftoralClient } from "../../src/client/index.ts";
import { freePort } from "../support/ports.ts";
import { restartableNodes } from "../support/restartable-nodes.ts";

const SLOW_ELECTIONS = { tickIntervalMs: 100, electionTicks: 600, heartbeatTicks: 1 };
const { directory, node } = restartableNodes({ tuning: SLOW_ELECTIONS });

test("a single-node cluster restarts without waiting for an election timeout", async () => {
  const storagePath = directory("raftoral-sole-voter-");
  const listen = `127.0.0.1:${await freePort()}`;
  const first = node(listen, storagePath, true);
  await first.start();
  const client = new RaftoralClient(listen, { timeoutMs: 10_000 });
  expect(await client.run("ping_pong", "ping")).toMatchObject({ output: "pong" });
  await first.stop();

  const begin = performance.now();
  const restarted = node(listen, storagePath, false);
  await restarted.start();
  // Not a speed assertion: an election timeout here is 60 to 120 s, far past the test's.
  expect(performance.now() - begin).toBeLessThan(30_000);
  expect(await client.run("ping_pong", "ping")).toMatchObject({ output: "pong" });
  await client.close();
}, 45_000);
