// A node restarted from storage whose snapshot was written compressed (docs/storage.md,
// schema version 4) comes back with every result the snapshot holds: the log behind it was
// compacted away, so the results can only come from the snapshot.

import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { RaftoralClient } from "../../src/client/index.ts";
import { SNAPSHOT_ENCODING } from "../../src/storage/snapshot-encoding.ts";
import { defineWorkflow } from "../../src/workflow/index.ts";
import { freePort } from "../support/ports.ts";
import { restartableNodes } from "../support/restartable-nodes.ts";

const echo = defineWorkflow("echo", 1, async (input: string, ctx) => ctx.step("echo", () => input));
/** A snapshot every few entries, and little log kept behind it. */
const TUNING = { snapshotEntries: 20, compactionMarginEntries: 2 };
const { directory, node } = restartableNodes({ tuning: TUNING, workflows: [echo] });

/** How group 1's snapshot is stored in the node's file, read with the node stopped. */
function storedSnapshot(storagePath: string): { encoding: number; index: number } | null {
  const [directory] = readdirSync(storagePath).filter((name) => name.startsWith("node_"));
  if (directory === undefined) throw new Error(`no node directory in ${storagePath}`);
  const db = new Database(join(storagePath, directory, "raftoral.db"), { readonly: true });
  const row = db
    .query<{ encoding: number; index: number }, []>(
      "SELECT encoding, snapshot_index AS 'index' FROM group_snapshot WHERE group_id = 1",
    )
    .get();
  db.close();
  return row;
}

test("results held only by a compressed snapshot survive a restart", async () => {
  const storagePath = directory("raftoral-snapshot-restart-");
  const listen = `127.0.0.1:${await freePort()}`;
  const first = node(listen, storagePath, true);
  await first.start();
  const client = new RaftoralClient(listen, { timeoutMs: 10_000 });
  // 2 KB of input, recorded three times (input, step, output): the state passes the 16 KiB
  // below which a snapshot is stored as it is.
  const inputs = Array.from({ length: 24 }, (_, k) => `${k}:`.padEnd(2_000, "abcdefgh"));
  const started = [];
  for (const input of inputs) {
    const workflow = await client.start(echo, input);
    expect(await client.wait(workflow)).toMatchObject({ output: input });
    started.push(workflow);
  }
  await client.close();
  await first.stop();
  expect(storedSnapshot(storagePath)).toMatchObject({ encoding: SNAPSHOT_ENCODING.zstd });

  const restarted = node(listen, storagePath, false);
  await restarted.start();
  const again = new RaftoralClient(listen, { timeoutMs: 10_000 });
  for (const [k, workflow] of started.entries()) {
    expect(await again.wait(workflow)).toMatchObject({ output: inputs[k] });
  }
  expect(await again.run(echo, "after the restart")).toMatchObject({
    output: "after the restart",
  });
  await again.close();
}, 60_000);
