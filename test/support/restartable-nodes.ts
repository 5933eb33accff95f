// Single nodes with storage that a test stops and starts again from the same directory.
// Registers an afterEach that stops every node made and removes every directory.

import { afterEach } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RaftoralNode, type RaftoralNodeOptions } from "../../src/node/index.ts";
import { quietLogger } from "./in-process-cluster.ts";

export function restartableNodes(options: Pick<RaftoralNodeOptions, "tuning" | "workflows">) {
  const nodes: RaftoralNode[] = [];
  const directories: string[] = [];
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((node) => node.stop()));
    for (const directory of directories.splice(0)) rmSync(directory, { recursive: true });
  });
  return {
    /** A new storage directory, removed after the test. */
    directory(prefix: string): string {
      const directory = mkdtempSync(join(tmpdir(), prefix));
      directories.push(directory);
      return directory;
    },
    /** A node (not started) on `listen` over `storagePath`: the first start bootstraps. */
    node(listen: string, storagePath: string, isBootstrap: boolean): RaftoralNode {
      const made = new RaftoralNode({
        ...options,
        listen,
        storagePath,
        bootstrap: isBootstrap,
        logger: quietLogger(),
      });
      nodes.push(made);
      return made;
    },
  };
}
