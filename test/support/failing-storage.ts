// A LogStorage whose disk "fills up" when a test says so: from then on, the writes it picks
// fail as a full disk makes SQLite fail (STORAGE_FAILED), and so does everything after, as
// with SqliteLogCore. Everything else goes to a MemoryLogStorage.

import {
  type GroupWrite,
  MemoryLogStorage,
  StorageError,
  type WriteOptions,
} from "../../src/storage/index.ts";
import { ForwardingLogStorage } from "./forwarding-storage.ts";

export class FailingStorage extends ForwardingLogStorage {
  private failsOn: ((batch: readonly GroupWrite[]) => boolean) | undefined;
  private failure: StorageError | undefined;
  /** How many writes failed (the first, then every later call). */
  failedWrites = 0;

  constructor() {
    super(new MemoryLogStorage());
  }

  /** From now on the first write that `matches` fails, and every call after it. */
  breakOn(matches: (batch: readonly GroupWrite[]) => boolean): void {
    this.failsOn = matches;
  }

  override async write(batch: readonly GroupWrite[], _options?: WriteOptions): Promise<void> {
    if (this.failure === undefined && this.failsOn?.(batch) === true) {
      this.failure = new StorageError(
        "STORAGE_FAILED",
        "writing test.db failed (SQLITE_FULL: database or disk is full): the disk is full",
        { file: "test.db" },
      );
    }
    if (this.failure !== undefined) {
      this.failedWrites++;
      throw this.failure;
    }
    await this.inner.write(batch);
  }
}
