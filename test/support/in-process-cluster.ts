// A cluster of RaftoralNodes in this process over real transports on loopback: the first
// bootstraps, the others join through it, each started in turn. Nodes go into `into` as they
// are made, so the caller's cleanup stops them even when a later start fails.

import { createLogger, type Logger } from "../../src/lib/index.ts";
import { RaftoralNode, type RaftoralNodeOptions } from "../../src/node/index.ts";
import { freePort } from "./ports.ts";

/** Short timeouts, so that failures are detected within a test's patience. */
export const FAST_TUNING = {
  tickIntervalMs: 20,
  reconcileIntervalMs: 100,
  failureTimeoutMs: 5_000,
  ownerFailoverMs: 1_000,
};

export const quietLogger = () =>
  createLogger({ level: "error", format: "text", write: () => undefined });

export async function startInProcessCluster(options: {
  readonly size: number;
  readonly transport: "grpc" | "http";
  readonly into: RaftoralNode[];
  readonly workflows?: RaftoralNodeOptions["workflows"];
  readonly tuning?: RaftoralNodeOptions["tuning"];
  /** The logger of the k-th node (0-based); quiet by default. */
  readonly loggerOf?: (k: number) => Logger;
}): Promise<string[]> {
  const ports = await Promise.all(Array.from({ length: options.size }, () => freePort()));
  const addresses = ports.map((port) => `127.0.0.1:${port}`);
  for (const [k, address] of addresses.entries()) {
    const node = new RaftoralNode({
      listen: address,
      bootstrap: k === 0,
      ...(k === 0 ? {} : { peers: [addresses[0] as string] }),
      transport: options.transport,
      logger: options.loggerOf?.(k) ?? quietLogger(),
      tuning: options.tuning ?? FAST_TUNING,
      ...(options.workflows === undefined ? {} : { workflows: options.workflows }),
    });
    options.into.push(node);
    await node.start();
  }
  return addresses;
}
