// A latency budget as a waterfall: over many timelines (each stage's offset, in ms, from the
// moment the measured thing began), the median offset of every stage, in order, with the
// step from the stage before. Prints one JSON line per stage and the waterfall on stderr.
// Shared by latency-budget.bench.ts (one commit) and workflow-budget.bench.ts (one workflow).

import { emit } from "./bench-stats.ts";

/** Each stage's offset (ms) from the start, for one measured commit or workflow. */
export type Timeline = Map<string, number>;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export function printWaterfall(
  title: string,
  timelines: readonly Timeline[],
  /** Fields of every JSON line (bench, transport, ...), besides the stage's own. */
  fields: Record<string, unknown>,
  /** Bar characters per millisecond. */
  barsPerMs: number,
): void {
  const keys = [...new Set(timelines.flatMap((timeline) => [...timeline.keys()]))];
  const offsets = keys
    .map((key) => ({
      key,
      offsetMs: median(timelines.flatMap((timeline) => timeline.get(key) ?? [])),
    }))
    .sort((a, b) => a.offsetMs - b.offsetMs);
  const lines = [`${title} (median ms)`];
  let previous = 0;
  for (const { key, offsetMs } of offsets) {
    const stepMs = offsetMs - previous;
    previous = offsetMs;
    emit({
      ...fields,
      stage: key,
      offsetMs: Number(offsetMs.toFixed(3)),
      stepMs: Number(stepMs.toFixed(3)),
    });
    const bar = "#".repeat(Math.max(0, Math.round(stepMs * barsPerMs)));
    lines.push(
      `${key.padEnd(28)} ${offsetMs.toFixed(2).padStart(7)}  +${stepMs.toFixed(2).padStart(5)}  ${bar}`,
    );
  }
  console.error(lines.join("\n"));
}
