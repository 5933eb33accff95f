// What a chaos run with a violation leaves beside the nodes' logs, so that a rare failure can
// be read afterwards rather than rerun for hours: the nemesis's actions with wall-clock times
// (the nodes' logs have only those), and each node's metrics taken twice before the cluster
// stops (whether its Raft loop still turned, which peers it sent to and heard from, its
// streams).

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

/** Between the two pages taken of each node: what moved in between still moves. */
const SECOND_LOOK_MS = 2_000;

/**
 * Every node's metrics page twice, SECOND_LOOK_MS apart (a loop that stopped turning, a
 * stream that carries nothing, show as counts that did not move), over the HTTP transport's
 * own listener; a gRPC node serves none without --http-listen, which chaos nodes are not given.
 */
export async function scrapeMetrics(
  cluster: ChaosCluster,
  transport: "grpc" | "http",
): Promise<NodeMetrics[]> {
  if (transport === "grpc") {
    return cluster.nodes.map(({ index }) => ({
      index,
      text: "(gRPC nodes serve no /metrics here)",
    }));
  }
  const first = await Promise.all(cluster.nodes.map(({ address }) => metricsPage(address)));
  await Bun.sleep(SECOND_LOOK_MS); // The interval between two looks, not a wait for a condition.
  const second = await Promise.all(cluster.nodes.map(({ address }) => metricsPage(address)));
  return cluster.nodes.map(({ index }, k) => ({
    index,
    text: `# first look\n${first[k]}\n# ${SECOND_LOOK_MS} ms later\n${second[k]}`,
  }));
}

async function metricsPage(address: string): Promise<string> {
  try {
    const response = await fetch(`http://${address}/metrics`, {
      signal: AbortSignal.timeout(5_000),
    });
    return await response.text();
  } catch (error) {
    return `(no metrics: ${String(error)})`;
  }
}

export function writeMetrics(directory: string, metrics: readonly NodeMetrics[]): void {
  for (const { index, text } of metrics) {
    writeFileSync(join(directory, `node-${index}-metrics.txt`), text);
  }
}
