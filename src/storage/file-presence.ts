// The database file a node writes must stay the file it opened. Deleted (or replaced) while
// the node runs, SQLite goes on writing to the unlinked file, and everything acknowledged
// since is gone at the next start: the node would look healthy and be a lost disk in
// waiting. Looked at on the write path, at most once per interval: a stat, not per write.

import { statSync } from "node:fs";

/** Default time between two looks at the file. */
export const FILE_PRESENCE_INTERVAL_MS = 1_000;

export class FilePresence {
  private readonly dev: number;
  private readonly ino: number;
  private lookedAtMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly file: string,
    private readonly intervalMs: number = FILE_PRESENCE_INTERVAL_MS,
  ) {
    const opened = statSync(file);
    this.dev = opened.dev;
    this.ino = opened.ino;
  }

  /** Why the path no longer names the file opened ("was deleted"...); undefined while it does. */
  problem(nowMs: number = performance.now()): string | undefined {
    if (nowMs - this.lookedAtMs < this.intervalMs) return undefined;
    this.lookedAtMs = nowMs;
    const now = statSync(this.file, { throwIfNoEntry: false });
    if (now === undefined) return "was deleted";
    if (now.dev !== this.dev || now.ino !== this.ino) return "was replaced by another file";
    return undefined;
  }
}
