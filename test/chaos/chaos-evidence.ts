// What a chaos run with a violation leaves beside the nodes' logs, so that a rare failure can
// be read afterwards rather than rerun for hours: the nemesis's actions with wall-clock times
// (the nodes' logs have only those), and each node's metrics taken before the cluster stops
// (whether its Raft loop still turned, which peers it sent to and heard from, its streams).

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ChaosCluster } from "./chaos-cluster.ts";

/** The run's progress lines, each stamped with the wall-clock time it was written. */
export class ChaosTimeline {
  private readonly lines: string[] = [];

  /** Keeps `line`, and passes it on to `next` as it was. */
  recorder(next: ((line: string) => void) | undefined): (line: string) => void {
    return (line) => {
      this.lines.push(`${new Date().toISOString()} ${line}`);
      next?.(line);
    };
  }

  write(directory: string): void {
    writeFileSync(join(directory, "timeline.log"), `${this.lines.join("\n")}\n`);
  }
}

export interface NodeMetrics {
  readonly index: number;
  /** The metrics page, or why there is none. */
  readonly text: string;
}

/**
 * Every node's metrics page, over the HTTP transport's own listener; a gRPC node serves
 * none without --http-listen, which the chaos nodes are not given.
 */
export async function scrapeMetrics(
  cluster: ChaosCluster,
  transport: "grpc" | "http",
): Promise<NodeMetrics[]> {
  return Promise.all(
    cluster.nodes.map(async ({ index, address }) => {
      if (transport === "grpc") return { index, text: "(gRPC nodes serve no /metrics here)" };
      try {
        const response = await fetch(`http://${address}/metrics`, {
          signal: AbortSignal.timeout(5_000),
        });
        return { index, text: await response.text() };
      } catch (error) {
        return { index, text: `(no metrics: ${String(error)})` };
      }
    }),
  );
}

export function writeMetrics(directory: string, metrics: readonly NodeMetrics[]): void {
  for (const { index, text } of metrics) {
    writeFileSync(join(directory, `node-${index}-metrics.txt`), text);
  }
}
