// A node that left the cluster for good does not come back from its storage directory: its
// start is refused before it listens (exit 78 for the binary), both after a leave asked
// through the API and after a library leave(), while a new node started empty joins.

import { beforeEach, expect, test } from "bun:test";
import { join } from "node:path";
import { exitCodeOf } from "../../src/cli/exit-codes.ts";
import type { RaftoralNode } from "../../src/node/index.ts";
import { freePort } from "../support/ports.ts";
import { restartableNodes } from "../support/restartable-nodes.ts";

const fixture = restartableNodes();
let directory = "";
beforeEach(() => {
  directory = fixture.directory("raftoral-left-");
});

const TUNING = { tickIntervalMs: 20, reconcileIntervalMs: 100, failureTimeoutMs: 5_000 };

function node(options: { listen: string; storage: string; peers?: string[] }): RaftoralNode {
  const { storage, ...member } = options;
  return fixture.member({ ...member, storagePath: join(directory, storage), tuning: TUNING });
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
  const library = node({ listen: second, storage: "b", peers: [first] });
  await library.start();
  const leaving = node({ listen: third, storage: "c", peers: [first] });
  await leaving.start();

  // Through the API, as `raftoral node leave` asks.
  const operator = fixture.client(third, { transport: "http", timeoutMs: 90_000 });
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
  await library.leave();
  const back = await refusalOf(node({ listen: second, storage: "b", peers: [first] }).start());
  expect(back.message).toContain(`node ${library.nodeId} left the cluster`);
  expect(exitCodeOf(back, "start")).toBe(78);
}, 120_000);
