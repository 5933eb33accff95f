// The files a node writes must stay the files it opened: the database and its WAL. Deleted
// (or replaced) while the node runs, SQLite goes on writing to the unlinked file, and
// everything acknowledged since is gone at the next start (with the WAL, everything since the
// last checkpoint into the database): the node would look healthy and be a lost disk in
// waiting. Looked at on the write path, at most once per interval: a stat per file, not per
// write.

import { statSync } from "node:fs";

/** Default time between two looks at the files. */
export const FILE_PRESENCE_INTERVAL_MS = 1_000;

interface OpenedFile {
  readonly path: string;
  readonly dev: number;
  readonly ino: number;
}

export class FilePresence {
  private readonly opened: readonly OpenedFile[];
  private lookedAtMs = Number.NEGATIVE_INFINITY;

  constructor(
    paths: readonly string[],
    private readonly intervalMs: number = FILE_PRESENCE_INTERVAL_MS,
  ) {
    this.opened = paths.map((path) => {
      const { dev, ino } = statSync(path);
      return { path, dev, ino };
    });
  }

  /**
   * Why a path no longer names the file opened ("/x/raftoral.db-wal was deleted"), or
   * undefined while each does.
   */
  problem(nowMs: number = performance.now()): string | undefined {
    if (nowMs - this.lookedAtMs < this.intervalMs) return undefined;
    this.lookedAtMs = nowMs;
    for (const { path, dev, ino } of this.opened) {
      const now = statSync(path, { throwIfNoEntry: false });
      if (now === undefined) return `${path} was deleted`;
      if (now.dev !== dev || now.ino !== ino) return `${path} was replaced by another file`;
    }
    return undefined;
  }
}
