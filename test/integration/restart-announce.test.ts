// A node that starts again from its storage tells its peers it is back as soon as it knows
// them (the first management state it applies), so that their senders stop backing off
// towards it (docs/transport.md, "Streams and requests"); then it serves as before.

import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RaftoralClient } from "../../src/client/index.ts";
import { createLogger } from "../../src/lib/index.ts";
import { RaftoralNode } from "../../src/node/index.ts";
import { FAST_TUNING, quietLogger } from "../support/in-process-cluster.ts";
import { freePort } from "../support/ports.ts";

const nodes: RaftoralNode[] = [];
const directories: string[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true });
});

test("a restarted node announces itself to its peers, then serves", async () => {
  const storage = mkdtempSync(join(tmpdir(), "raftoral-announce-"));
  directories.push(storage);
  const addresses = await Promise.all([0, 1, 2].map(async () => `127.0.0.1:${await freePort()}`));
  const make = (k: number, lines?: string[]) => {
    const node = new RaftoralNode({
      listen: addresses[k] as string,
      storagePath: join(storage, `n${k}`),
      transport: "http",
      ...(k === 0 ? { bootstrap: true } : { peers: [addresses[0] as string] }),
      logger:
        lines === undefined
          ? quietLogger()
          : createLogger({ level: "debug", format: "text", write: (line) => lines.push(line) }),
      tuning: FAST_TUNING,
    });
    nodes.push(node);
    return node;
  };
  for (const k of [0, 1, 2]) await make(k).start();
  const third = nodes[2] as RaftoralNode;
  await third.stop();
  nodes.splice(nodes.indexOf(third), 1);

  const lines: string[] = [];
  await make(2, lines).start();
  const told = lines
    .filter((line) => line.startsWith("DEBUG Telling peers this node is back"))
    .flatMap((line) => (/peers: ([\d ]+)$/.exec(line)?.[1] ?? "").split(" "));
  // Both other nodes, each once, as it learned of them from the management state it applied.
  expect(told.sort()).toEqual(["1", "2"]);
  const client = new RaftoralClient(addresses[2] as string, {
    transport: "http",
    timeoutMs: 10_000,
  });
  expect(await client.run("ping_pong", "ping")).toMatchObject({ output: "pong" });
  await client.close();
}, 60_000);
