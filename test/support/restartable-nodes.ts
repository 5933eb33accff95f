// Nodes with storage that a test stops and starts again from the same directory. Registers
// an afterEach that closes every client made, stops every node made and removes every
// directory.

import { afterEach } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RaftoralClient, type RaftoralClientOptions } from "../../src/client/index.ts";
import { RaftoralNode, type RaftoralNodeOptions } from "../../src/node/index.ts";
import { quietLogger } from "./in-process-cluster.ts";

export function restartableNodes(options: Pick<RaftoralNodeOptions, "tuning" | "workflows"> = {}) {
  const nodes: RaftoralNode[] = [];
  const clients: RaftoralClient[] = [];
  const directories: string[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
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
    /** A node (not started) made exactly as `nodeOptions` say. */
    made(nodeOptions: RaftoralNodeOptions): RaftoralNode {
      const made = new RaftoralNode(nodeOptions);
      nodes.push(made);
      return made;
    },
    /** A quiet HTTP node (not started) on `listen`: it bootstraps unless given `peers`. */
    member(
      member: { listen: string; storagePath: string; peers?: string[] } & Pick<
        RaftoralNodeOptions,
        "tuning" | "workflows"
      >,
    ): RaftoralNode {
      const { peers, ...rest } = member;
      return this.made({
        ...rest,
        ...(peers === undefined ? { bootstrap: true } : { peers }),
        transport: "http",
        logger: quietLogger(),
      });
    },
    /** A client of `addresses`. */
    client(addresses: string | string[], clientOptions?: RaftoralClientOptions): RaftoralClient {
      const made = new RaftoralClient(addresses, clientOptions);
      clients.push(made);
      return made;
    },
  };
}
