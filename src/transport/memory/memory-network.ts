// An in-process network for tests and simulations: nodes register their NodeApi under an
// address, and batches travel between them after a delay, through faults the test controls
// (loss, partitions). Time comes from the injected clock, so under a VirtualClock delivery
// is deterministic.

import { type Clock, RaftoralError, type Random } from "../../lib/index.ts";
import type { NodeApi, PeerBatch, PeerTransport, TransportServer } from "../index.ts";

export interface MemoryNetworkFaults {
  /** Probability that a batch is lost. */
  dropRate: number;
  delayMinMs: number;
  delayMaxMs: number;
}

export class MemoryNetwork {
  private readonly listeners = new Map<string, NodeApi>();
  /** Directed address pairs that cannot reach each other: "from>to". */
  private readonly cuts = new Set<string>();
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
        return { port };
      },
      close: async () => {
        if (bound !== undefined) this.listeners.delete(bound);
      },
    };
  }

  /** A client half whose deliveries leave from `fromAddress` (used for partitions). */
  transport(fromAddress: string): PeerTransport {
    let isClosed = false;
    return {
      deliver: (address, batch) => {
        // As over a real network, a closed transport refuses work instead of sending it.
        if (isClosed) {
          return Promise.reject(
            new RaftoralError("UNAVAILABLE", `transport of ${fromAddress} is closed`),
          );
        }
        return this.deliver(fromAddress, address, batch);
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
    if (timeoutMs === undefined) return answer;
    // Like a real client's deadline: a call that never settles (its node died) times out.
    return new Promise<T>((resolve, reject) => {
      const cancel = this.clock.setTimer(timeoutMs, () =>
        reject(new RaftoralError("TIMEOUT", `no answer from ${to} within ${timeoutMs} ms`)),
      );
      answer.then(
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

  private exchange<T>(from: string, to: string, call: (api: NodeApi) => Promise<T>): Promise<T> {
    return new Promise<NodeApi>((resolve, reject) => {
      this.clock.setTimer(this.delay(), () => {
        const api = this.listeners.get(to);
        if (
          api === undefined ||
          this.cuts.has(`${from}>${to}`) ||
          this.random.chance(this.faults.dropRate)
        ) {
          reject(new RaftoralError("UNAVAILABLE", `no route from ${from} to ${to}`));
        } else {
          resolve(api);
        }
      });
    })
      .then(call)
      .then(
        (value) =>
          new Promise<T>((resolve) => this.clock.setTimer(this.delay(), () => resolve(value))),
      );
  }

  private deliver(from: string, to: string, batch: PeerBatch): Promise<void> {
    return new Promise((resolve, reject) => {
      const delay = this.delay();
      this.clock.setTimer(delay, () => {
        const api = this.listeners.get(to);
        if (
          api === undefined ||
          this.cuts.has(`${from}>${to}`) ||
          this.random.chance(this.faults.dropRate)
        ) {
          this.dropped++;
          reject(new RaftoralError("UNAVAILABLE", `no route from ${from} to ${to}`));
          return;
        }
        try {
          api.receivePeerBatch(batch);
          this.delivered++;
          resolve();
        } catch (error) {
          reject(error);
        }
      });
    });
  }

  private delay(): number {
    const { delayMinMs, delayMaxMs } = this.faults;
    return delayMaxMs <= delayMinMs ? delayMinMs : this.random.int(delayMinMs, delayMaxMs + 1);
  }
}
