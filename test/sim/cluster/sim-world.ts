// The world simulated nodes live in: a virtual clock, one seeded random source, the memory
// network with its faults, and memory storage per node address whose synced writes survive a
// crash. Each RaftoralNode gets a NodeEnvironment built from it, with its own pausable view of
// the clock, so the world can stop a process (SIGSTOP), continue it, or crash it.

import type { ClientCallOptions, ProtocolClient } from "../../../src/client/index.ts";
import { type Random, seededRandom, VirtualClock } from "../../../src/lib/index.ts";
import type { NodeEnvironment } from "../../../src/node/node-environment.ts";
import { MemoryLogStorage, MemoryLogStore } from "../../../src/storage/index.ts";
import type { NodeApi, TransportKind } from "../../../src/transport/index.ts";
import { MemoryNetwork } from "../../../src/transport/memory/index.ts";
import { CommitLedger } from "./commit-ledger.ts";
import { PausableClock } from "./pausable-clock.ts";
import { SimLogStorage } from "./sim-storage.ts";

/** A node's environment in the simulation: its clients are in memory, made at once. */
export interface SimEnvironment extends NodeEnvironment {
  readonly client: (kind: TransportKind, target: string) => ProtocolClient;
}

/** Wall-clock time in the simulation starts at a fixed date, so runs are identical. */
const EPOCH_MS = Date.UTC(2026, 0, 1);

export class SimWorld {
  readonly clock = new VirtualClock();
  readonly random: Random;
  readonly network: MemoryNetwork;
  private readonly stores = new Map<string, MemoryLogStore>();
  /** Every entry any node durably counted as committed, over the whole run. */
  readonly ledger = new CommitLedger();
  /** The current process at each address: its clock and its open storage. */
  private readonly processes = new Map<
    string,
    { clock: PausableClock; storage: SimLogStorage | undefined }
  >();
  private incarnations = 0;
  /** Simulated ms each write takes on top of its own, by address (slowDisk). */
  private readonly slowDisks = new Map<string, number>();
  /** Batches accepted by storage but lost in crashes, over the whole run. */
  lostWrites = 0;

  constructor(readonly seed: number) {
    this.random = seededRandom(seed);
    this.network = new MemoryNetwork(this.clock, this.random.fork("network"));
    this.network.faults = { dropRate: 0, delayMinMs: 1, delayMaxMs: 3 };
  }

  environment(address: string): SimEnvironment {
    const random = this.random.fork(`${address}#${this.incarnations++}`);
    const process = {
      clock: new PausableClock(this.clock),
      storage: undefined as SimLogStorage | undefined,
    };
    this.processes.set(address, process);
    const disk = random.fork("disk");
    const open = (store: MemoryLogStore) => {
      process.storage = new SimLogStorage(new MemoryLogStorage(store), this.clock, disk, (batch) =>
        this.ledger.stored(store, address, batch),
      );
      process.storage.extraWriteMs = this.slowDisks.get(address) ?? 0;
      return process.storage;
    };
    return {
      clock: process.clock,
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
        const storage = open(store);
        const identity = await storage.loadIdentity();
        return { storage, identity, nodeId: identity?.nodeId };
      },
      storageFor: async () => {
        let store = this.stores.get(address);
        if (store === undefined) {
          store = new MemoryLogStore();
          this.stores.set(address, store);
        }
        return open(store);
      },
    };
  }

  /** The storage at `address`, as a tool would open it while no process runs there. */
  storedAt(address: string): MemoryLogStorage | undefined {
    const store = this.stores.get(address);
    return store === undefined ? undefined : new MemoryLogStorage(store);
  }

  /** Stops the process at `address` (SIGSTOP): it runs nothing and receives nothing. */
  pause(address: string): void {
    this.processes.get(address)?.clock.pause();
    this.network.pause(address);
  }

  /** Continues a paused process: everything that came due or arrived runs now. */
  resume(address: string): void {
    this.processes.get(address)?.clock.resume();
    this.network.resume(address);
  }

  isPaused(address: string): boolean {
    return this.network.isPaused(address);
  }

  /**
   * Every write at `address` takes `extraMs` longer from now on (0: as before), by the process
   * running there and by the next ones: the machine's disk turned slow.
   */
  slowDisk(address: string, extraMs: number): void {
    this.slowDisks.set(address, extraMs);
    const storage = this.processes.get(address)?.storage;
    if (storage !== undefined) storage.extraWriteMs = extraMs;
  }

  /** The machine at `address` stops: unsynced writes and whatever waited for it are lost. */
  crash(address: string): void {
    const process = this.processes.get(address);
    if (process === undefined) return;
    this.processes.delete(address);
    this.lostWrites += process.storage?.crash() ?? 0;
    process.clock.resume({ discard: true });
    this.network.resume(address, { discard: true });
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

  private call<T>(call: (api: NodeApi) => Promise<T>, options?: ClientCallOptions): Promise<T> {
    return this.network.request(this.from, this.address, call, options?.timeoutMs);
  }

  discover: ProtocolClient["discover"] = (options) => this.call((api) => api.discover(), options);
  register: ProtocolClient["register"] = (request, options) =>
    this.call((api) => api.register(request), options);
  health: ProtocolClient["health"] = (options) => this.call(async (api) => api.health(), options);
  startWorkflow: ProtocolClient["startWorkflow"] = (request, options) =>
    this.call((api) => api.startWorkflow(request), options);
  waitWorkflow: ProtocolClient["waitWorkflow"] = (request, options) =>
    this.call((api) => api.waitWorkflow(request), options);
  runWorkflow: ProtocolClient["runWorkflow"] = (request, options) =>
    this.call((api) => api.runWorkflow(request), options);
  signalWorkflow: ProtocolClient["signalWorkflow"] = (request, options) =>
    this.call((api) => api.signalWorkflow(request), options);
  describeWorkflow: ProtocolClient["describeWorkflow"] = (request, options) =>
    this.call((api) => api.describeWorkflow(request), options);
  listWorkflows: ProtocolClient["listWorkflows"] = (request, options) =>
    this.call((api) => api.listWorkflows(request), options);
  cancelWorkflow: ProtocolClient["cancelWorkflow"] = (request, options) =>
    this.call((api) => api.cancelWorkflow(request), options);
  terminateWorkflow: ProtocolClient["terminateWorkflow"] = (request, options) =>
    this.call((api) => api.terminateWorkflow(request), options);
  clusterStatus: ProtocolClient["clusterStatus"] = (options) =>
    this.call((api) => api.clusterStatus(), options);

  /** Nothing to release: memory requests hold no connection. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
