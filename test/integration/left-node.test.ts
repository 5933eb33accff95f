// A node that left the cluster for good does not come back from its storage directory: its
// start is refused before it listens (exit 78 for the binary), both after a leave asked
// through the API and after a library leave(), while a new node started empty joins.

import { afterAll, afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exitCodeOf } from "../../src/cli/exit-codes.ts";
import { RaftoralClient } from "../../src/client/index.ts";
import { createLogger } from "../../src/lib/index.ts";
import { RaftoralNode } from "../../src/node/index.ts";
import { freePort } from "../support/ports.ts";

const directory = mkdtempSync(join(tmpdir(), "raftoral-left-"));
const nodes: RaftoralNode[] = [];
const clients: RaftoralClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const quiet = () => createLogger({ level: "error", format: "text", write: () => undefined });
const TUNING = { tickIntervalMs: 20, reconcileIntervalMs: 100, failureTimeoutMs: 5_000 };

function node(options: { listen: string; storage: string; peers?: string[] }): RaftoralNode {
  const made = new RaftoralNode({
    listen: options.listen,
    storagePath: join(directory, options.storage),
    ...(options.peers === undefined ? { bootstrap: true } : { peers: options.peers }),
    transport: "http",
    logger: quiet(),
    tuning: TUNING,
  });
  nodes.push(made);
  return made;
}

async function refusalOf(start: Promise<void>): Promise<Error> {
  const error = await start.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

test("a node that left is refused a start from its storage; an empty one joins", async () => {
  const addresses = await Promise.all([1, 2, 3].map(async () => `127.0.0.1:${await freePort()}`));
  const [first, second, third] = addresses as [string, string, string];
  await node({ listen: first, storage: "a" }).start();
  await node({ listen: second, storage: "b", peers: [first] }).start();
  const leaving = node({ listen: third, storage: "c", peers: [first] });
  await leaving.start();

  // Through the API, as `raftoral node leave` asks.
  const operator = new RaftoralClient(third, { transport: "http", timeoutMs: 90_000 });
  clients.push(operator);
  expect((await operator.leave()).nodeId).toBe(leaving.nodeId);
  await leaving.stopped;
  const again = await refusalOf(node({ listen: third, storage: "c", peers: [first] }).start());
  expect(again.message).toBe(
    `node ${leaving.nodeId} left the cluster (raftoral node leave), and this storage directory (node_${leaving.nodeId} under --storage-path) does not bring it back. To run a node here again, move the directory aside and start it with an empty --storage-path and --peers naming running nodes: it joins as a new node.`,
  );
  expect(exitCodeOf(again, "start")).toBe(78);

  // As the way back says: an empty storage path joins as a new node.
  const renewed = node({ listen: third, storage: "c-new", peers: [first] });
  await renewed.start();
  expect(renewed.nodeId).toBeGreaterThan(leaving.nodeId as number);

  // Through the library: leave() resolves once the node has stopped.
  const library = nodes[1] as RaftoralNode;
  await library.leave();
  const back = await refusalOf(node({ listen: second, storage: "b", peers: [first] }).start());
  expect(back.message).toContain(`node ${library.nodeId} left the cluster`);
  expect(exitCodeOf(back, "start")).toBe(78);
}, 120_000);
