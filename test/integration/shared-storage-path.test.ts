// Two processes started at the same moment on one empty --storage-path: each joins and learns
// its id, and so its node directory, only from the cluster, so both used to join as nodes of
// their own, after which every start on that path found two nodes and refused. Now the first
// to lock the path runs, and the other is refused at once, as on a path in use.

import { afterEach, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { NodeProcessCluster } from "../support/node-process-cluster.ts";

let cluster: NodeProcessCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

test("of two joiners started at once on one storage path, one runs and the other is refused", async () => {
  cluster = new NodeProcessCluster("grpc");
  const current = cluster;
  await current.add();
  const shared = join(current.directory, "shared");
  const starts = await Promise.allSettled([
    current.add("grpc", { storagePath: shared }),
    current.add("grpc", { storagePath: shared }),
  ]);
  expect(starts.map((start) => start.status).sort()).toEqual(["fulfilled", "rejected"]);
  const refused = current.nodes.find(
    (node) => node.index > 0 && !starts.some((s) => s.status === "fulfilled" && s.value === node),
  );
  expect(await refused?.process?.exited).toBe(1);
  expect(refused?.log).toContain("another process is using it");
  expect(readdirSync(shared).filter((name) => name.startsWith("node_"))).toHaveLength(1);
}, 120_000);
