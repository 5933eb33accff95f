// Memory storage with a disk's failure model, for the whole-system simulation. A write takes
// simulated time; a write without sync waits in a volatile buffer until the next synced write
// makes it durable (as WAL frames do under synchronous=NORMAL); a crash loses the write in
// flight and the buffer. What was synced survives in the MemoryLogStore.

import type { Clock, Random } from "../../../src/lib/index.ts";
import type { GroupWrite, MemoryLogStorage, WriteOptions } from "../../../src/storage/index.ts";
import { ForwardingLogStorage } from "../../support/forwarding-storage.ts";

/** How long one write takes, in simulated ms (uniform, inclusive). */
const WRITE_MS_MIN = 0;
const WRITE_MS_MAX = 3;

export class SimLogStorage extends ForwardingLogStorage {
  private volatile: (readonly GroupWrite[])[] = [];
  /** Writes complete in the order they were issued. */
  private queue: Promise<void> = Promise.resolve();
  private isCrashed = false;
  /** Writes issued and not yet applied or buffered. */
  private inFlight = 0;
  /** Simulated ms every write takes on top of its own: a disk that has turned slow. */
  extraWriteMs = 0;

  constructor(
    inner: MemoryLogStorage,
    private readonly clock: Clock,
    private readonly random: Random,
    /** Told of every batch once it is durable. */
    private readonly onDurable: (batch: readonly GroupWrite[]) => void = () => undefined,
  ) {
    super(inner);
  }

  override write(batch: readonly GroupWrite[], options?: WriteOptions): Promise<void> {
    const isSync = options?.sync !== false;
    this.inFlight++;
    const done = this.queue.then(async () => {
      await this.sleep(this.random.int(WRITE_MS_MIN, WRITE_MS_MAX + 1) + this.extraWriteMs);
      // A write the crash interrupted never answers: its process is gone.
      if (this.isCrashed) return new Promise<void>(() => undefined);
      this.inFlight--;
      if (!isSync) {
        this.volatile.push(batch);
        return;
      }
      await this.flushVolatile();
      await this.inner.write(batch);
      this.onDurable(batch);
    });
    this.queue = done.catch(() => undefined);
    return done;
  }

  /** The machine stops: writes in flight and unsynced batches are lost. Returns how many. */
  crash(): number {
    this.isCrashed = true;
    const lost = this.inFlight + this.volatile.length;
    this.volatile = [];
    return lost;
  }

  /** A clean close makes the buffer durable, as closing the database does. */
  override async close(): Promise<void> {
    if (!this.isCrashed) {
      await this.queue;
      await this.flushVolatile();
    }
    await this.inner.close();
  }

  private async flushVolatile(): Promise<void> {
    const batches = this.volatile;
    this.volatile = [];
    for (const batch of batches) {
      await this.inner.write(batch);
      this.onDurable(batch);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.clock.setTimer(ms, resolve));
  }
}
