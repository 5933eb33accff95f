// Swarm testing: the seed draws the fault rates and cluster shape, so different seeds
// explore different corners (many drops, no drops, slow disks, frequent snapshots...).

import type { Random } from "../../src/lib/index.ts";

export interface SimParams {
  readonly voters: number;
  readonly learners: number;
  readonly spares: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly dropRate: number;
  readonly duplicateRate: number;
  readonly delayMax: number;
  readonly diskLatencyMax: number;
  readonly crashRate: number;
  readonly partitionRate: number;
  readonly confChangeRate: number;
  readonly snapshotEvery: number;
  readonly compactionMargin: number;
  readonly snapshotChunkBytes: number;
  readonly clients: number;
  readonly clockSkew: number;
  /** Committed entries per Ready: small bounds spread a backlog's applies over many turns. */
  readonly committedEntriesPerReadyMax: number;
}

export function drawParams(random: Random): SimParams {
  return {
    voters: random.pick([1, 3, 3, 5, 5, 7]),
    learners: random.pick([0, 0, 1, 2]),
    spares: random.pick([0, 1, 2]),
    preVote: random.chance(0.8),
    checkQuorum: random.chance(0.8),
    dropRate: random.pick([0, 0.01, 0.05, 0.2]),
    duplicateRate: random.pick([0, 0.01, 0.05]),
    delayMax: random.pick([2, 10, 30, 80]),
    diskLatencyMax: random.pick([0, 2, 10, 30]),
    crashRate: random.pick([0, 0.002, 0.01, 0.03]),
    partitionRate: random.pick([0, 0.005, 0.02]),
    confChangeRate: random.pick([0, 0.005, 0.02]),
    snapshotEvery: random.pick([5, 20, 100, 1_000_000]),
    compactionMargin: random.pick([0, 0, 3, 20]),
    snapshotChunkBytes: random.pick([16, 100, 64 * 1024]),
    clients: random.int(1, 6),
    clockSkew: random.pick([0, 1, 3]),
    // Drawn last: the seeds' other parameters stay what they were.
    committedEntriesPerReadyMax: random.pick([1, 3, 1024]),
  };
}

export function describeParams(params: SimParams): string {
  return Object.entries(params)
    .map(([key, value]) => `${key}=${value}`)
    .join(" ");
}
