// A node gives its SQLite WAL its room (src/storage/wal-space.ts) once it is ready, not while
// it starts: at every start, since SQLite deletes the WAL at a clean close.

import { expect, test } from "bun:test";
import { existsSync, statSync } from "node:fs";
import { RaftoralClient } from "../../src/client/index.ts";
import { nodeId } from "../../src/lib/index.ts";
import { databaseFilePath, nodeDirectoryPath } from "../../src/storage/node-directory.ts";
import { WAL_SPACE_BYTES } from "../../src/storage/wal-space.ts";
import { freePort } from "../support/ports.ts";
import { restartableNodes } from "../support/restartable-nodes.ts";

const { directory, node } = restartableNodes({});

test("the WAL has its room once the node is ready, after a bootstrap and after a restart", async () => {
  const storagePath = directory("raftoral-wal-room-");
  const wal = `${databaseFilePath(nodeDirectoryPath(storagePath, nodeId(1)))}-wal`;
  const listen = `127.0.0.1:${await freePort()}`;
  const first = node(listen, storagePath, true);
  await first.start();
  // The zeros are written before start() resolves; only their fsync runs on after it.
  expect(statSync(wal).size).toBeGreaterThanOrEqual(WAL_SPACE_BYTES);
  const client = new RaftoralClient(listen, { timeoutMs: 10_000 });
  try {
    expect(await client.run("ping_pong", "ping")).toMatchObject({ output: "pong" });
    await first.stop();
    expect(existsSync(wal)).toBe(false);

    const restarted = node(listen, storagePath, false);
    await restarted.start();
    expect(statSync(wal).size).toBeGreaterThanOrEqual(WAL_SPACE_BYTES);
    expect(await client.run("ping_pong", "ping")).toMatchObject({ output: "pong" });
  } finally {
    await client.close();
  }
}, 30_000);
