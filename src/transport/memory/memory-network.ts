// An in-process network for tests and simulations: nodes register their NodeApi under an
// address, and batches travel between them after a delay, through faults the test controls
// (loss, duplication, delay and so reordering, partitions, paused receivers). Time comes from
// the injected clock, so under a VirtualClock delivery is deterministic.

import { type Clock, RaftoralError, type Random } from "../../lib/index.ts";
import type { NodeApi, PeerBatch, PeerMessage, PeerTransport, TransportServer } from "../index.ts";

export interface MemoryNetworkFaults {
  /** Probability that a batch is lost. */
  dropRate: number;
  delayMinMs: number;
  delayMaxMs: number;
  /** Probability that a delivered batch arrives a second time, after another delay. */
  duplicateRate?: number;
  /**
   * Messages taken out of every batch between two addresses, for a test that needs one kind
   * lost while the rest arrives (appends lost, heartbeats not: a follower that lags).
   */
  isMessageLost?: ((from: string, to: string, message: PeerMessage) => boolean) | undefined;
}

/** Something that reached a paused process: handled when it continues, dropped if it dies. */
interface HeldArrival {
  readonly arrive: () => void;
  /** The process died: the sender sees its connection reset. */
  readonly drop: () => void;
}

export class MemoryNetwork {
  private readonly listeners = new Map<string, NodeApi>();
  /** Directed address pairs that cannot reach each other: "from>to". */
  private readonly cuts = new Set<string>();
  /** Arrivals held for a paused address (its process is stopped), in order. */
  private readonly held = new Map<string, HeldArrival[]>();
  faults: MemoryNetworkFaults = { dropRate: 0, delayMinMs: 0, delayMaxMs: 0 };
  delivered = 0;
  dropped = 0;

  constructor(
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  /** A server half for the node that will listen on `host:port`. */
  server(): TransportServer {
    let bound: string | undefined;
    let boundApi: NodeApi | undefined;
    return {
      listen: async (host, port, api) => {
        const address = `${host}:${port}`;
        if (this.listeners.has(address)) {
          throw new RaftoralError(
            "UNAVAILABLE",
            `cannot listen on ${address}: Address already in use`,
          );
        }
        this.listeners.set(address, api);
        bound = address;
        boundApi = api;
        return { port };
      },
      close: async () => {
        // Only its own listener: a new server may have taken the address since, as a
        // restarted process takes its port again.
        if (bound !== undefined && this.listeners.get(bound) === boundApi) {
          this.listeners.delete(bound);
        }
        bound = undefined;
      },
    };
  }

  /** A client half whose deliveries leave from `fromAddress` (used for partitions). */
  transport(fromAddress: string): PeerTransport {
    let isClosed = false;
    return {
      deliver: (address, batch, timeoutMs) => {
        // As over a real network, a closed transport refuses work instead of sending it.
        if (isClosed) {
          return Promise.reject(
            new RaftoralError("UNAVAILABLE", `transport of ${fromAddress} is closed`),
          );
        }
        return withDeadline(
          this.clock,
          this.deliver(fromAddress, address, batch),
          address,
          timeoutMs,
        );
      },
      close: async () => {
        isClosed = true;
      },
    };
  }

  /** Cuts traffic both ways between two sets of addresses, until heal(). */
  partition(side: readonly string[], others: readonly string[]): void {
    for (const a of side) {
      for (const b of others) {
        this.cuts.add(`${a}>${b}`);
        this.cuts.add(`${b}>${a}`);
      }
    }
  }

  cutOneWay(from: string, to: string): void {
    this.cuts.add(`${from}>${to}`);
  }

  /**
   * Holds everything that arrives for `address` until resume(), as the kernel's buffers do for
   * a stopped process (SIGSTOP): nothing is lost, it is all handled late and at once.
   */
  pause(address: string): void {
    if (!this.held.has(address)) this.held.set(address, []);
  }

  /** Delivers what was held for `address`, in order; with `discard`, drops it (the process died). */
  resume(address: string, options: { discard?: boolean } = {}): void {
    const arrivals = this.held.get(address) ?? [];
    this.held.delete(address);
    for (const arrival of arrivals) {
      if (options.discard === true) arrival.drop();
      else arrival.arrive();
    }
  }

  isPaused(address: string): boolean {
    return this.held.has(address);
  }

  heal(): void {
    this.cuts.clear();
  }

  /**
   * A request from `from` to the node at `to` (a client call): after a network delay, through
   * the same faults as batches, `call` runs against its NodeApi; the answer comes back after
   * another delay.
   */
  request<T>(
    from: string,
    to: string,
    call: (api: NodeApi) => Promise<T>,
    timeoutMs?: number,
  ): Promise<T> {
    const answer = this.exchange(from, to, call);
    // Like a real client's deadline: a call that never settles (its node died) times out.
    return timeoutMs === undefined ? answer : withDeadline(this.clock, answer, to, timeoutMs);
  }

  private exchange<T>(from: string, to: string, call: (api: NodeApi) => Promise<T>): Promise<T> {
    let reached: NodeApi | undefined;
    return new Promise<NodeApi>((resolve, reject) => {
      const reset = () => reject(new RaftoralError("UNAVAILABLE", `connection to ${to} reset`));
      this.afterDelay(to, reset, () => {
        reached = this.arrivalAt(from, to);
        if (reached === undefined) reject(noRoute(from, to));
        else resolve(reached);
      });
    })
      .then(call)
      .then(
        (value) =>
          new Promise<T>((resolve, reject) =>
            this.clock.setTimer(this.delay(), () => {
              // The node that answered went down while the answer travelled: the call was
              // carried out, and its caller cannot know. (Cuts, one-way here, stop requests.)
              if (this.listeners.get(to) !== reached) reject(lostAnswer(to));
              else resolve(value);
            }),
          ),
      );
  }

  private deliver(from: string, to: string, batch: PeerBatch): Promise<void> {
    return new Promise((resolve, reject) => {
      const reset = () => {
        this.dropped++;
        reject(new RaftoralError("UNAVAILABLE", `connection to ${to} reset`));
      };
      this.afterDelay(to, reset, () => {
        const api = this.arrivalAt(from, to);
        if (api === undefined) {
          this.dropped++;
          reject(noRoute(from, to));
          return;
        }
        const isLost = this.faults.isMessageLost;
        const messages = isLost && batch.messages.filter((m) => !isLost(from, to, m));
        try {
          api.receivePeerBatch(messages ? { ...batch, messages } : batch);
          this.delivered++;
          resolve();
        } catch (error) {
          reject(error);
          return;
        }
        const duplicateRate = this.faults.duplicateRate ?? 0;
        if (duplicateRate > 0 && this.random.chance(duplicateRate)) this.duplicate(from, to, batch);
      });
    });
  }

  /** The receiver's API if something sent now from `from` reaches `to` (no cut, not lost). */
  private arrivalAt(from: string, to: string): NodeApi | undefined {
    const api = this.listeners.get(to);
    if (api === undefined || this.cuts.has(`${from}>${to}`)) return undefined;
    return this.random.chance(this.faults.dropRate) ? undefined : api;
  }

  /** A second copy of a delivered batch, decoded afresh as a real receiver would. */
  private duplicate(from: string, to: string, batch: PeerBatch): void {
    const copy = structuredClone(batch);
    this.afterDelay(to, ignoreDrop, () => {
      const api = this.listeners.get(to);
      if (api === undefined || this.cuts.has(`${from}>${to}`)) return;
      try {
        api.receivePeerBatch(copy);
      } catch {
        // Handled: the sender of the original already got this answer; nobody waits on a copy.
      }
    });
  }

  /** Runs `arrive` after a network delay, or later still if `to` is paused then. */
  private afterDelay(to: string, drop: () => void, arrive: () => void): void {
    this.clock.setTimer(this.delay(), () => {
      const held = this.held.get(to);
      if (held === undefined) arrive();
      else held.push({ arrive, drop });
    });
  }

  private delay(): number {
    const { delayMinMs, delayMaxMs } = this.faults;
    return delayMaxMs <= delayMinMs ? delayMinMs : this.random.int(delayMinMs, delayMaxMs + 1);
  }
}

function lostAnswer(to: string): RaftoralError {
  return new RaftoralError("UNAVAILABLE", `connection to ${to} reset before its answer`, {
    isAnswerLost: true,
  });
}

function noRoute(from: string, to: string): RaftoralError {
  return new RaftoralError("UNAVAILABLE", `no route from ${from} to ${to}`);
}

function ignoreDrop(): void {
  // Nobody waits on a duplicate: losing it with its receiver is what a network does.
}

/** Rejects with TIMEOUT if `work` has not settled within `timeoutMs`, as real clients do. */
function withDeadline<T>(
  clock: Clock,
  work: Promise<T>,
  to: string,
  timeoutMs: number,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cancel = clock.setTimer(timeoutMs, () =>
      reject(new RaftoralError("TIMEOUT", `no answer from ${to} within ${timeoutMs} ms`)),
    );
    work.then(
      (value) => {
        cancel();
        resolve(value);
      },
      (error: unknown) => {
        cancel();
        reject(error);
      },
    );
  });
}
