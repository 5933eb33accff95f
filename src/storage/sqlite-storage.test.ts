import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLogStorageContract } from "../../test/contracts/log-storage.contract.ts";
import { SqliteLogStorage } from "./sqlite-storage.ts";

runLogStorageContract("bun:sqlite on the caller's thread", async () => {
  const directory = mkdtempSync(join(tmpdir(), "raftoral-sqlite-"));
  const file = join(directory, "node_1", "raftoral.db");
  return {
    open: () => SqliteLogStorage.open(file),
    destroy: async () => rmSync(directory, { recursive: true, force: true }),
  };
});
