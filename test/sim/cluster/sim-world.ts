// The world simulated nodes live in: a virtual clock, one seeded random source, the memory
// network with its faults, and memory storage per node address that survives a restart.
// Each RaftoralNode gets a NodeEnvironment built from it.

import type { ProtocolClient } from "../../../src/client/index.ts";
import { type Random, seededRandom, VirtualClock } from "../../../src/lib/index.ts";
import type { NodeEnvironment } from "../../../src/node/node-environment.ts";
import { MemoryLogStorage, MemoryLogStore } from "../../../src/storage/index.ts";
import type { TransportKind } from "../../../src/transport/index.ts";
import { MemoryNetwork } from "../../../src/transport/memory/index.ts";

/** Wall-clock time in the simulation starts at a fixed date, so runs are identical. */
const EPOCH_MS = Date.UTC(2026, 0, 1);

export class SimWorld {
  readonly clock = new VirtualClock();
  readonly random: Random;
  readonly network: MemoryNetwork;
  private readonly stores = new Map<string, MemoryLogStore>();
  private incarnations = 0;

  constructor(readonly seed: number) {
    this.random = seededRandom(seed);
    this.network = new MemoryNetwork(this.clock, this.random.fork("network"));
    this.network.faults = { dropRate: 0, delayMinMs: 1, delayMaxMs: 3 };
  }

  environment(address: string): NodeEnvironment {
    const random = this.random.fork(`${address}#${this.incarnations++}`);
    return {
      clock: this.clock,
      random,
      wallClockMs: () => EPOCH_MS + this.clock.nowMs(),
      newClusterId: () => `sim-cluster-${this.seed}`,
      transport: (kind) => ({
        kind,
        server: this.network.server(),
        peers: this.network.transport(address),
      }),
      client: (kind, target) => new MemoryProtocolClient(this.network, address, target, kind),
      openKnownStorage: async () => {
        const store = this.stores.get(address);
        if (store === undefined) return undefined;
        const storage = new MemoryLogStorage(store);
        const identity = await storage.loadIdentity();
        return { storage, identity, nodeId: identity?.nodeId };
      },
      storageFor: async () => {
        let store = this.stores.get(address);
        if (store === undefined) {
          store = new MemoryLogStore();
          this.stores.set(address, store);
        }
        return new MemoryLogStorage(store);
      },
    };
  }

  /** Forgets a node's disk, as if its machine were replaced. */
  wipe(address: string): void {
    this.stores.delete(address);
  }
}

/** A ProtocolClient that calls another simulated node's NodeApi over the memory network. */
class MemoryProtocolClient implements ProtocolClient {
  constructor(
    private readonly network: MemoryNetwork,
    private readonly from: string,
    readonly address: string,
    readonly transport: TransportKind,
  ) {}

  discover: ProtocolClient["discover"] = () =>
    this.network.request(this.from, this.address, (api) => api.discover());
  register: ProtocolClient["register"] = (request) =>
    this.network.request(this.from, this.address, (api) => api.register(request));
  health: ProtocolClient["health"] = () =>
    this.network.request(this.from, this.address, async (api) => api.health());
  startWorkflow: ProtocolClient["startWorkflow"] = (request) =>
    this.network.request(this.from, this.address, (api) => api.startWorkflow(request));
  waitWorkflow: ProtocolClient["waitWorkflow"] = (request) =>
    this.network.request(this.from, this.address, (api) => api.waitWorkflow(request));
  runWorkflow: ProtocolClient["runWorkflow"] = (request) =>
    this.network.request(this.from, this.address, (api) => api.runWorkflow(request));

  /** Nothing to release: memory requests hold no connection. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
