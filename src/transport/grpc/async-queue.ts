// A single-consumer async queue: a stream's event handlers push messages in, one consumer
// reads them with `for await`. The producer applies backpressure itself by watching `size`
// and `onTake` (the queue does not bound itself: it cannot pause a socket).

export interface AsyncQueueHooks {
  /** Called after the consumer takes an item, so the producer can resume reading. */
  readonly onTake?: () => void;
  /** Called once if the consumer stops early (break, throw, return). */
  readonly onReturn?: () => void;
}

/** Items pushed in order, read by exactly one `for await` loop. */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly hooks: AsyncQueueHooks;
  private readonly items: T[] = [];
  private waiter: ((result: IteratorResult<T>) => void) | undefined;
  private failWaiter: ((error: Error) => void) | undefined;
  private isEnded = false;
  private failure: Error | undefined;

  constructor(hooks: AsyncQueueHooks = {}) {
    this.hooks = hooks;
  }

  /** Items pushed and not yet taken. */
  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    if (this.isEnded) return; // The consumer is gone or the stream already ended: drop it.
    if (this.waiter !== undefined) {
      const resolve = this.waiter;
      this.clearWaiter();
      resolve({ done: false, value: item });
      this.hooks.onTake?.();
      return;
    }
    this.items.push(item);
  }

  /** No more items: the consumer finishes after taking those already queued. */
  end(): void {
    if (this.isEnded) return;
    this.isEnded = true;
    if (this.waiter !== undefined && this.items.length === 0) {
      const resolve = this.waiter;
      this.clearWaiter();
      resolve({ done: true, value: undefined });
    }
  }

  /** Ends the queue with an error: the consumer's next read after the queued items throws it. */
  fail(error: Error): void {
    if (this.isEnded) return;
    this.failure = error;
    this.isEnded = true;
    if (this.failWaiter !== undefined && this.items.length === 0) {
      const reject = this.failWaiter;
      this.clearWaiter();
      reject(error);
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) {
      const value = this.items.shift() as T;
      this.hooks.onTake?.();
      return Promise.resolve({ done: false, value });
    }
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.isEnded) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.failWaiter = reject;
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.next(),
      return: () => {
        if (!this.isEnded) {
          this.isEnded = true;
          this.items.length = 0;
          this.hooks.onReturn?.();
        }
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }

  private clearWaiter(): void {
    this.waiter = undefined;
    this.failWaiter = undefined;
  }
}
