// Where a node's log lines go: stderr, one write for the lines that one run of code logs. A
// busy node logs a few lines per workflow (its start and its end on the owner), many of them
// while one turn applies its entries, and a write per line cost the group leader 8% of its
// CPU at 64 workflows in flight, mostly the system call and waking whoever reads the pipe
// (docs/performance.md, "Log lines"). Lines leave together as soon as the code that logged
// them returns (a microtask), before any I/O, timer or awaiting code runs. A warning or an
// error goes out at once with the lines before it, so that what explains a crash is written
// before the crash, and flush() writes the rest when the process exits.

import type { LogLevel } from "../lib/index.ts";

/** Pending text past which lines go out without waiting for the code that logs them to end. */
const PENDING_CHARS_MAX = 64 * 1024;

export interface LogOutput {
  /** Takes one line (without its newline). */
  write(line: string, level: LogLevel): void;
  /** Writes every pending line now, with `write` if given (at exit: a write that blocks). */
  flush(write?: (text: string) => void): void;
}

export function bufferedLogOutput(
  write: (text: string) => void,
  afterThisRun: (callback: () => void) => void,
): LogOutput {
  let pending: string[] = [];
  let pendingChars = 0;
  let isFlushScheduled = false;
  const flush = (writeNow = write): void => {
    if (pending.length === 0) return;
    const text = `${pending.join("\n")}\n`;
    pending = [];
    pendingChars = 0;
    writeNow(text);
  };
  return {
    write(line, level) {
      pending.push(line);
      pendingChars += line.length + 1;
      if (level === "warn" || level === "error" || pendingChars > PENDING_CHARS_MAX) {
        flush(write);
      } else if (!isFlushScheduled) {
        isFlushScheduled = true;
        afterThisRun(() => {
          isFlushScheduled = false;
          flush(write);
        });
      }
    },
    flush,
  };
}
