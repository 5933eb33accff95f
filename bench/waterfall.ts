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

/** Each stage's median offset over the timelines that reached it. */
function medianOffsets(timelines: readonly Timeline[]): Map<string, number> {
  const keys = new Set(timelines.flatMap((timeline) => [...timeline.keys()]));
  return new Map(
    [...keys].map((key) => [key, median(timelines.flatMap((t) => t.get(key) ?? []))] as const),
  );
}

export function printWaterfall(
  title: string,
  timelines: readonly Timeline[],
  /** Fields of every JSON line (bench, transport, ...), besides the stage's own. */
  fields: Record<string, unknown>,
  /** Bar characters per millisecond. */
  barsPerMs: number,
): void {
  const offsets = [...medianOffsets(timelines)].sort((a, b) => a[1] - b[1]);
  const lines = [`${title} (median ms)`];
  let previous = 0;
  for (const [key, offsetMs] of offsets) {
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

/**
 * Two sets of timelines of the same stages side by side (the first pass on fresh nodes and
 * the warm pass): each stage's step from the one before, in both, and what the first adds.
 * Stages go in the first's order; where the other reached two stages in the other order, its
 * step between them is negative. Prints one JSON line per stage and the table on stderr.
 */
export function printComparison(
  title: string,
  first: readonly Timeline[],
  warm: readonly Timeline[],
  fields: Record<string, unknown>,
): void {
  const firstOffsets = medianOffsets(first);
  const warmOffsets = medianOffsets(warm);
  const keys = [...firstOffsets.keys()].sort(
    (a, b) => (firstOffsets.get(a) ?? 0) - (firstOffsets.get(b) ?? 0),
  );
  const lines = [`${title} (median step from the stage before, ms: first, warm, first - warm)`];
  let previous: string | undefined;
  for (const key of keys) {
    const stepOf = (offsets: Map<string, number>) =>
      (offsets.get(key) ?? Number.NaN) -
      (previous === undefined ? 0 : (offsets.get(previous) ?? 0));
    const firstMs = stepOf(firstOffsets);
    const warmMs = stepOf(warmOffsets);
    previous = key;
    emit({
      ...fields,
      stage: key,
      firstStepMs: Number(firstMs.toFixed(3)),
      warmStepMs: Number(warmMs.toFixed(3)),
    });
    lines.push(
      `${key.padEnd(28)} ${firstMs.toFixed(2).padStart(6)} ${warmMs.toFixed(2).padStart(6)} ${(firstMs - warmMs).toFixed(2).padStart(6)}`,
    );
  }
  console.error(lines.join("\n"));
}
