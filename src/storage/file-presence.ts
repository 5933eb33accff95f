// The files a node writes must stay the files it opened: the database and its WAL. Deleted
// (or replaced) while the node runs, SQLite goes on writing to the unlinked file, and
// everything acknowledged since is gone at the next start (with the WAL, everything since the
// last checkpoint into the database): the node would look healthy and be a lost disk in
// waiting. Looked at on the write path, at most once per interval: a stat per file, not per
// write.
//
// A WAL emptied in place (`: > raftoral.db-wal`) stays the same file, and SQLite goes on
// writing its frames where they were, past a hole of zeros that its next checkpoint copies
// into the database: a corrupt database at the next start. SQLite never empties the WAL
// while it has it open (it starts it over from its header, and cuts a long one back to
// journal_size_limit), so the WAL must still begin with its magic number.

import { closeSync, openSync, readSync, statSync } from "node:fs";

/** The WAL header's magic number, with its last bit (the checksums' byte order) cleared. */
const WAL_MAGIC = 0x377f0682;

/** Default time between two looks at the files. */
export const FILE_PRESENCE_INTERVAL_MS = 1_000;

interface OpenedFile {
  readonly path: string;
  readonly dev: number;
  readonly ino: number;
}

export class FilePresence {
  private readonly opened: readonly OpenedFile[];
  private readonly wal: string;
  /**
   * The WAL, opened once: a look must not need a descriptor, which a node whose clients hold
   * all of them would not get (and stop for it).
   */
  private readonly walFd: number;
  private lookedAtMs = Number.NEGATIVE_INFINITY;

  /** `database` and, beside it, its WAL (`database`-wal), which must both exist; close() after. */
  constructor(
    database: string,
    private readonly intervalMs: number = FILE_PRESENCE_INTERVAL_MS,
  ) {
    this.wal = `${database}-wal`;
    this.opened = [database, this.wal].map((path) => {
      const { dev, ino } = statSync(path);
      return { path, dev, ino };
    });
    this.walFd = openSync(this.wal, "r");
  }

  close(): void {
    closeSync(this.walFd);
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
    return this.walHeaderProblem();
  }

  /** Why the WAL does not begin with SQLite's WAL magic number, if it does not. */
  private walHeaderProblem(): string | undefined {
    const head = new Uint8Array(4);
    let read: number;
    try {
      read = readSync(this.walFd, head, 0, 4, 0);
    } catch (error) {
      // Converted: a WAL that cannot be read is a failing disk, told as a problem of the file.
      return `${this.wal} could not be read (${(error as Error).message})`;
    }
    const magic = (new DataView(head.buffer).getUint32(0) & ~1) >>> 0;
    return read === 4 && magic === WAL_MAGIC ? undefined : `${this.wal} was emptied or overwritten`;
  }
}
