// LogStorage that runs SqliteLogCore in a Worker thread: what the node uses with
// --storage-path. The main thread only posts messages, so SQLite's fsyncs, WAL checkpoints and
// large reads never delay Raft ticks or client requests (docs/storage.md has the numbers).

import type { GroupId } from "../lib/index.ts";
import type { Entry } from "../raft/index.ts";
import type {
  GroupTombstone,
  GroupWrite,
  LogStorage,
  NodeIdentity,
  ReadEntriesRange,
  StoredGroup,
  WriteOptions,
} from "./log-storage.ts";
import type { SqliteLogCoreOptions } from "./sqlite-log-core.ts";
import { StorageError } from "./storage-error.ts";
import {
  decodeError,
  type OpenResult,
  type StorageCall,
  type StorageRequest,
  type StorageResponse,
} from "./worker-protocol.ts";

/** Where `bun build --compile` puts the entrypoints inside the binary (with `--root .`). */
const EMBEDDED_ROOT = "/$bunfs/root/";
const EMBEDDED_WORKER = `${EMBEDDED_ROOT}src/storage/storage-worker.ts`;

/**
 * Where the Worker's code is. From source, it sits beside this file. Inside a compiled binary
 * import.meta.url may still name the build machine's path (with --bytecode), so the embedded
 * entrypoint is named directly.
 */
export function storageWorkerUrl(): string {
  if (Bun.main.startsWith(EMBEDDED_ROOT)) return EMBEDDED_WORKER;
  return new URL("./storage-worker.ts", import.meta.url).href;
}

/**
 * A Worker started ahead of its storage (prestartStorageWorker): its thread loads the
 * Worker's code while the main thread loads the node's. `lost` says why it died before use.
 */
interface SpareWorker {
  readonly url: string;
  readonly worker: Worker;
  lost: string | undefined;
}

let spare: SpareWorker | undefined;

/**
 * Starts a storage Worker now, for the next WorkerLogStorage.open with the same code to take:
 * the CLI calls it first thing when --storage-path is given, so that starting the Worker's
 * thread and loading its code (tens of milliseconds) overlaps with loading the node instead of
 * following it. One spare at a time; it does not keep the process alive.
 */
export function prestartStorageWorker(workerUrl: string = storageWorkerUrl()): void {
  if (spare !== undefined) return;
  const started: SpareWorker = {
    url: workerUrl,
    worker: new Worker(workerUrl, { name: "raftoral-storage" }),
    lost: undefined,
  };
  started.worker.unref();
  // Until taken: a Worker that fails to start is not used (a fresh one reports the failure).
  started.worker.addEventListener("error", (event: ErrorEvent) => {
    started.lost ??= event.message;
  });
  started.worker.addEventListener("close", () => {
    started.lost ??= "the worker exited";
  });
  spare = started;
}

/** The spare Worker if it runs `workerUrl` and is alive; it is then no longer spare. */
function takeSpare(workerUrl: string): Worker | undefined {
  const taken = spare;
  if (taken === undefined || taken.url !== workerUrl) return undefined;
  spare = undefined;
  if (taken.lost === undefined) return taken.worker;
  taken.worker.terminate();
  return undefined;
}

interface PendingCall {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

export interface WorkerLogStorageOptions extends SqliteLogCoreOptions {
  /** Overrides storageWorkerUrl(), e.g. for a binary that embeds the worker elsewhere. */
  readonly workerUrl?: string;
}

export class WorkerLogStorage implements LogStorage {
  readonly file: string;
  private loadedFrom = "";
  private readonly worker: Worker;
  private readonly pending = new Map<number, PendingCall>();
  private nextId = 1;
  private failure: StorageError | undefined;
  private isClosing = false;

  private constructor(file: string, workerUrl: string) {
    this.file = file;
    this.worker = takeSpare(workerUrl) ?? new Worker(workerUrl, { name: "raftoral-storage" });
    // Referenced only while calls are pending: an idle storage never keeps the process alive.
    this.worker.unref();
    this.worker.addEventListener("message", (event: MessageEvent<StorageResponse>) =>
      this.onResponse(event.data),
    );
    this.worker.addEventListener("error", (event: ErrorEvent) => this.onWorkerLost(event.message));
    this.worker.addEventListener("close", () => this.onWorkerLost("the worker exited"));
  }

  /** Starts the Worker and opens `file` in it; see SqliteLogCore.open for the errors. */
  static async open(
    file: string,
    options: WorkerLogStorageOptions = {},
  ): Promise<WorkerLogStorage> {
    const { workerUrl, ...coreOptions } = options;
    const storage = new WorkerLogStorage(file, workerUrl ?? storageWorkerUrl());
    try {
      const opened = await storage.call<OpenResult>({ type: "open", file, options: coreOptions });
      storage.loadedFrom = opened.workerUrl;
      return storage;
    } catch (error) {
      // Rethrown once the Worker is stopped: an open that failed leaves nothing to close.
      storage.isClosing = true;
      storage.worker.terminate();
      throw error;
    }
  }

  /** Where the Worker says its code came from, for the start-up log. */
  get workerUrl(): string {
    return this.loadedFrom;
  }

  write(batch: readonly GroupWrite[], options?: WriteOptions): Promise<void> {
    return this.call({ type: "write", batch, sync: options?.sync !== false });
  }

  listGroups(): Promise<GroupId[]> {
    return this.call({ type: "listGroups" });
  }

  loadGroup(groupId: GroupId): Promise<StoredGroup | undefined> {
    return this.call({ type: "loadGroup", groupId });
  }

  loadTombstone(groupId: GroupId): Promise<GroupTombstone | undefined> {
    return this.call({ type: "loadTombstone", groupId });
  }

  readEntries(range: ReadEntriesRange): Promise<Entry[]> {
    return this.call({ type: "readEntries", range });
  }

  loadIdentity(): Promise<NodeIdentity | undefined> {
    return this.call({ type: "loadIdentity" });
  }

  saveIdentity(identity: NodeIdentity): Promise<void> {
    return this.call({ type: "saveIdentity", identity });
  }

  /**
   * Waits for the calls already sent (the Worker answers in order), closes, stops the Worker.
   * After the Worker was lost there is nothing left to close: the loss was already reported.
   */
  async close(): Promise<void> {
    if (this.isClosing) return;
    if (this.failure !== undefined) {
      this.isClosing = true;
      this.worker.terminate();
      return;
    }
    const closed = this.call<void>({ type: "close" });
    this.isClosing = true;
    try {
      await closed;
    } finally {
      this.worker.terminate();
    }
  }

  // Results are trusted: the Worker runs this same build's code on the same types.
  private call<T>(call: StorageCall): Promise<T> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.isClosing) {
      const message = `storage ${this.file} is closed`;
      return Promise.reject(new StorageError("STORAGE_FAILED", message, { file: this.file }));
    }
    const request: StorageRequest = { ...call, id: this.nextId++ };
    return new Promise<T>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(request.id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage(request);
    });
  }

  private onResponse(response: StorageResponse): void {
    const pending = this.pending.get(response.id);
    if (pending === undefined) return;
    this.pending.delete(response.id);
    if (this.pending.size === 0) this.worker.unref();
    if (response.ok) pending.resolve(response.value);
    else pending.reject(decodeError(response.error));
  }

  /** The Worker died or could not start: every pending and later call fails. */
  private onWorkerLost(reason: string): void {
    if (this.isClosing && this.pending.size === 0) return;
    this.failure ??= new StorageError(
      "STORAGE_FAILED",
      `the storage worker for ${this.file} stopped (${reason}); restart the node. A compiled binary needs src/storage/storage-worker.ts as an extra entrypoint, built with --root .`,
      { file: this.file },
    );
    for (const pending of this.pending.values()) pending.reject(this.failure);
    this.pending.clear();
    this.worker.unref();
  }
}
