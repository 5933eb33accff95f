// The simulated network: per-message delay (hence reordering), loss, duplication and
// partitions, symmetric or one-way. Every decision comes from the simulation's random source.

import type { NodeId, Random } from "../../src/lib/index.ts";
import type { RaftMessage } from "../../src/raft/index.ts";

export interface NetworkFaults {
  dropRate: number;
  duplicateRate: number;
  delayMin: number;
  delayMax: number;
}

export const PERFECT_NETWORK: NetworkFaults = {
  dropRate: 0,
  duplicateRate: 0,
  delayMin: 1,
  delayMax: 3,
};

export class SimNetwork {
  faults: NetworkFaults = PERFECT_NETWORK;
  /** Directed links that are cut: "from>to". */
  private readonly cuts = new Set<string>();
  sent = 0;
  dropped = 0;

  constructor(
    private readonly random: Random,
    private readonly deliver: (message: RaftMessage, delay: number) => void,
  ) {}

  send(message: RaftMessage): void {
    this.sent++;
    if (
      this.cuts.has(`${message.from}>${message.to}`) ||
      this.random.chance(this.faults.dropRate)
    ) {
      this.dropped++;
      return;
    }
    this.deliver(message, this.delay());
    if (this.random.chance(this.faults.duplicateRate)) this.deliver(message, this.delay());
  }

  private delay(): number {
    return this.random.int(this.faults.delayMin, this.faults.delayMax + 1);
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cuts.has(`${from}>${to}`);
  }

  cutOneWay(from: NodeId, to: NodeId): void {
    this.cuts.add(`${from}>${to}`);
  }

  /** Splits the nodes into two sides that cannot talk to each other. */
  partition(side: readonly NodeId[], others: readonly NodeId[]): void {
    for (const a of side) {
      for (const b of others) {
        this.cuts.add(`${a}>${b}`);
        this.cuts.add(`${b}>${a}`);
      }
    }
  }

  heal(): void {
    this.cuts.clear();
  }
}
