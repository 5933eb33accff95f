// What a node's loop turns took over a stretch of a bench, from its turn histogram
// (raftoral_host_turn_seconds): every group on a node waits for each of its turns.

import { LATENCY_BUCKETS_SECONDS } from "../src/lib/index.ts";

const TURN = "raftoral_host_turn_seconds";

export interface TurnSummary {
  readonly turns: number;
  readonly turnsOver25Ms: number;
  readonly turnsOver50Ms: number;
  readonly turnsOver100Ms: number;
  /** The bound of the histogram's bucket that holds the longest turn. */
  readonly longestTurnAtMostMs: number;
  readonly turnSecondsSum: number;
}

/**
 * The turns between two readings of the nodes' /metrics (`before` absent: since each node
 * started), summed over the nodes; the longest is the longest of any of them.
 */
export function turnsBetween(
  after: readonly Map<string, number>[],
  before: readonly Map<string, number>[] = [],
): TurnSummary {
  const total = (name: string) =>
    after.reduce((sum, samples, k) => sum + delta(samples, before[k], name), 0);
  const count = (le: string) => total(`${TURN}_bucket{le="${le}"}`);
  const turns = total(`${TURN}_count`);
  const sum = total(`${TURN}_sum`);
  const longest = LATENCY_BUCKETS_SECONDS.find((le) => count(String(le)) === turns);
  return {
    turns,
    turnsOver25Ms: turns - count("0.025"),
    turnsOver50Ms: turns - count("0.05"),
    turnsOver100Ms: turns - count("0.1"),
    longestTurnAtMostMs: 1_000 * (longest ?? Number.NaN),
    turnSecondsSum: Number(sum.toFixed(3)),
  };
}

function delta(
  after: ReadonlyMap<string, number>,
  before: ReadonlyMap<string, number> | undefined,
  name: string,
): number {
  return (after.get(name) ?? 0) - (before?.get(name) ?? 0);
}
