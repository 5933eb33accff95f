// Progress for commands that may wait long (a workflow's result, a leave): on a terminal, a
// line when the wait begins and one every few seconds, on stderr so that stdout stays the
// answer alone. Scripts (no terminal) see nothing extra.

import type { Output } from "./client-commands.ts";

export const PROGRESS_INTERVAL_MS = 5_000;

export async function withProgress<T>(
  output: Output,
  what: string,
  work: Promise<T>,
  intervalMs = PROGRESS_INTERVAL_MS,
): Promise<T> {
  if (output.isTerminal !== true) return work;
  output.stderr(`${what}...\n`);
  const startedMs = performance.now();
  const timer = setInterval(() => {
    const seconds = Math.round((performance.now() - startedMs) / 1_000);
    output.stderr(`${what}: still waiting after ${seconds} s\n`);
  }, intervalMs);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
