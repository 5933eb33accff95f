// Shared by the benchmarks: latency percentiles and the machine's load, so that every JSON
// line says how busy the machine was while it was measured.

import { loadavg } from "node:os";

export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** Nearest-rank percentiles of `samples` (milliseconds), rounded to microseconds. */
export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (fraction: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
  return {
    count: sorted.length,
    p50Ms: round(at(0.5)),
    p99Ms: round(at(0.99)),
    maxMs: round(sorted.at(-1) ?? Number.NaN),
  };
}

export function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** The 1-minute load average: above the core count, other work skewed the numbers. */
export function machineLoad(): { load1m: number; cores: number } {
  return { load1m: round(loadavg()[0] ?? 0, 2), cores: navigator.hardwareConcurrency };
}

/**
 * BENCH_SCALE (default 1) multiplies every sample count: `BENCH_SCALE=0.01 make bench` is the
 * smoke run that only checks every benchmark still works.
 */
const SCALE = Number(process.env.BENCH_SCALE ?? 1);

/** `count` samples at the run's scale, at least one. */
export function scaled(count: number): number {
  return Math.max(1, Math.round(count * SCALE));
}

/** Prints one measurement as a JSON line, with the machine's load while it was taken. */
export function emit(fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ ...fields, ...machineLoad() }));
}
