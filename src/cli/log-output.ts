// Where a node's log lines go: stderr, in one write per turn of the event loop. A busy node
// logs a few lines per workflow (its start and its end on the owner), and a write per line
// cost the group leader 8% of its CPU at 64 workflows in flight, mostly the system call and
// waking whoever reads the pipe (docs/performance.md, "Log lines"). Lines wait at most until
// the loop's next turn; a warning or an error goes out at once with the lines before it, so
// that what explains a crash is written before the crash, and flush() writes the rest when
// the process exits.

import type { LogLevel } from "../lib/index.ts";

/** Pending text past which lines go out without waiting for the turn to end. */
const PENDING_CHARS_MAX = 64 * 1024;

export interface LogOutput {
  /** Takes one line (without its newline). */
  write(line: string, level: LogLevel): void;
  /** Writes every pending line now, with `write` if given (at exit: a write that blocks). */
  flush(write?: (text: string) => void): void;
}

export function bufferedLogOutput(
  write: (text: string) => void,
  runSoon: (callback: () => void) => void,
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
        runSoon(() => {
          isFlushScheduled = false;
          flush(write);
        });
      }
    },
    flush,
  };
}
