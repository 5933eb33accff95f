// A node whose storage file is deleted while it writes nothing (an idle cluster: heartbeats
// write nothing) stops all the same: the host asks its storage at every tick, as every write
// does, whether the file is still there (SqliteLogCore.checkFile), and fails as for a failed
// write, so its health turns unavailable and the process exits 74.

import { expect, test } from "bun:test";
import { groupId, nodeId } from "../../src/lib/index.ts";
import { StorageError } from "../../src/storage/index.ts";
import { ForwardingLogStorage } from "../support/forwarding-storage.ts";
import { clusterWithGroups } from "../support/host-cluster.ts";

const G = groupId(1);

class VanishingDisk extends ForwardingLogStorage {
  isGone = false;

  checkFile(): void {
    if (!this.isGone) return;
    throw new StorageError("STORAGE_FAILED", "raftoral.db was deleted while the node ran", {
      file: "raftoral.db",
    });
  }
}

test("an idle node whose storage file is gone stops within a tick", async () => {
  const cluster = await clusterWithGroups([G]);
  let disk: VanishingDisk | undefined;
  await cluster.crash(2);
  const restarted = await cluster.startNode(2, (inner) => {
    disk = new VanishingDisk(inner);
    return disk;
  });
  await cluster.until(() => cluster.leaderOf(G) !== undefined);
  await cluster.advance(500);
  expect(restarted.fatal).toBeUndefined();
  if (disk !== undefined) disk.isGone = true;
  await cluster.until(() => restarted.fatal !== undefined, 1_000);
  expect(restarted.fatal).toMatchObject({ code: "STORAGE_FAILED" });
  expect(cluster.hosts.get(nodeId(1))?.fatal).toBeUndefined();
});
