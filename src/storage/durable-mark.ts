// What a node has made durable, written beside its database (`durable-mark.json`) so that a
// start can tell when the database lost writes it had synced. SQLite cannot: a WAL cut short or
// damaged in the middle opens as an older, consistent database (docs/storage.md, "Lost
// writes"), and such a node, with one that missed the same entries, could elect a leader
// without entries clients were told are committed.
//
// The mark holds each group's term and commit index as of a synced write. Neither ever goes
// down in a group's storage, so a database below its mark lost writes. The mark is written at
// most once per interval, of the groups as the last synced write left them (by the next write
// or, on an idle node, the next look at its files), and at a clean close: it lags what is
// durable by about that interval, and never leads it. A write that deletes a group first takes it out
// of the mark as written (a replica made again later starts anew), adding nothing newer.

import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { type GroupId, groupId as toGroupId } from "../lib/index.ts";
import { syncDirectory } from "./durable-directory.ts";
import type { GroupLogState } from "./group-log-state.ts";
import { StorageCorruptError, StorageError } from "./storage-error.ts";

export const DURABLE_MARK_FILE_NAME = "durable-mark.json";

/** Default least time between two marks. */
export const DURABLE_MARK_INTERVAL_MS = 1_000;

/** One group's place in the mark: [group id, term, commit]. */
export type MarkedGroup = readonly [number, number, number];

interface MarkJson {
  readonly version: 1;
  readonly groups: readonly MarkedGroup[];
}

export function durableMarkPath(databaseFile: string): string {
  return join(dirname(databaseFile), DURABLE_MARK_FILE_NAME);
}

/**
 * STALE_INCARNATION if a group in `databaseFile`'s mark is stored here at a lower term or
 * commit than the mark says, or not at all; else the groups it marks. No mark (a directory
 * from before marks, or one whose mark was never written): nothing to compare.
 */
export function checkDurableMark(options: {
  readonly databaseFile: string;
  readonly states: ReadonlyMap<GroupId, GroupLogState>;
}): readonly MarkedGroup[] {
  const { databaseFile, states } = options;
  const path = durableMarkPath(databaseFile);
  if (!existsSync(path)) return [];
  const { groups } = readMark(path);
  for (const [id, term, commit] of groups) {
    const groupId = toGroupId(id);
    const state = states.get(groupId);
    if (state !== undefined && state.term >= term && state.commit >= commit) continue;
    const now =
      state === undefined
        ? "holds no such group"
        : `holds term ${state.term}, commit ${state.commit}`;
    // An older copy of this node, as a restored backup is: restarting cannot help (exit 78).
    throw new StorageError(
      "STALE_INCARNATION",
      `${databaseFile} lost writes it had synced: for group ${groupId} it ${now}, where this node had already written term ${term}, commit ${commit} (${DURABLE_MARK_FILE_NAME}). The disk dropped them (a WAL cut short or damaged), or the database is an older copy. With it this node could help elect a leader without entries clients were told are committed, so it does not start. Move the directory aside (keep it to find out what happened), then start the node with an empty --storage-path and --peers naming running nodes: it joins as a new node and copies everything from the others.`,
      { file: databaseFile },
    );
  }
  return groups;
}

function readMark(path: string): MarkJson {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    // The read failed, not the mark (out of descriptors, no permission): nothing says it is
    // damaged, and deleting it would only lose the check. Called damaged, the node exited 65,
    // which its unit never restarts, with the advice to delete it.
    throw new StorageError(
      "STORAGE_FAILED",
      `${path} could not be read (${(error as Error).message}). Check that the node's user may read it and its limit of open files (ulimit -n, LimitNOFILE=), then start it again; do not delete the file`,
      { file: path, cause: error },
    );
  }
  let json: Partial<MarkJson> | undefined;
  try {
    json = JSON.parse(text) as Partial<MarkJson>;
  } catch (error) {
    throw unreadableMark(path, (error as Error).message, error);
  }
  const groups = json?.groups;
  if (json?.version !== 1 || !Array.isArray(groups) || !groups.every(isMarkedGroup)) {
    throw unreadableMark(path, "not a durable mark this build writes");
  }
  return { version: 1, groups };
}

function isMarkedGroup(item: unknown): item is MarkedGroup {
  return (
    Array.isArray(item) &&
    item.length === 3 &&
    item.every((value) => Number.isSafeInteger(value) && (value as number) >= 0)
  );
}

function unreadableMark(path: string, why: string, cause?: unknown): StorageCorruptError {
  return new StorageCorruptError(
    `${path} is not readable (${why}). Raftoral writes it beside the database, which it says lost no writes; if only this file was damaged, deleting it lets the node start (without that check until its next write)`,
    { file: path, cause },
  );
}

function markedGroups(states: ReadonlyMap<GroupId, GroupLogState>): MarkedGroup[] {
  const groups: MarkedGroup[] = [];
  for (const state of states.values()) groups.push([state.groupId, state.term, state.commit]);
  return groups;
}

/**
 * Writes the mark of a database's synced writes, at most once per interval. On the write path,
 * as the database's own writes are (a small file, one fsync: about a fifth of a millisecond,
 * once a second at most).
 */
export class DurableMarkWriter {
  readonly path: string;
  private writtenAtMs = Number.NEGATIVE_INFINITY;
  /** The groups on disk, as last written (or found at open). */
  private written: readonly MarkedGroup[];
  private writtenText: string;
  /** The groups as of the last synced write, while not marked yet (within the interval). */
  private due: readonly MarkedGroup[] | undefined;

  constructor(
    databaseFile: string,
    found: readonly MarkedGroup[],
    private readonly intervalMs: number = DURABLE_MARK_INTERVAL_MS,
  ) {
    this.path = durableMarkPath(databaseFile);
    this.written = found;
    this.writtenText = textOf(found);
  }

  /** A synced write left the database at `states`: marks them, unless marked lately. */
  synced(states: ReadonlyMap<GroupId, GroupLogState>, nowMs: number = performance.now()): void {
    this.due = markedGroups(states);
    this.catchUp(nowMs);
  }

  /**
   * Marks what the last synced write left unmarked, once the interval has passed since the
   * last mark: the next synced write asks, and so does an idle node now and then.
   */
  catchUp(nowMs: number = performance.now()): void {
    const due = this.due;
    if (due === undefined || nowMs - this.writtenAtMs < this.intervalMs) return;
    this.writtenAtMs = nowMs;
    this.due = undefined;
    try {
      this.write(due);
    } catch (error) {
      if (!isOutOfDescriptors(error)) throw error;
      // The process has no file descriptor to spare (clients holding connections took them):
      // nothing was written, and the mark on disk, older, still never leads the database. So
      // this is not the disk failing and must not stop the node; the mark stays due and is
      // tried again an interval later. Meanwhile it lags by more than the interval.
      this.due ??= due;
    }
  }

  /**
   * Marks `states` now, whatever the interval: at a clean close, when everything the states
   * say is durable.
   */
  closed(states: ReadonlyMap<GroupId, GroupLogState>): void {
    this.due = undefined;
    this.write(markedGroups(states));
  }

  /**
   * Takes `deleted` out of the mark before a write deletes them: what is on disk less those,
   * never the states since (writes not synced may be among them). Synced with its directory,
   * since an older mark that still named them would refuse the database once they are gone.
   */
  forget(deleted: ReadonlySet<GroupId>): void {
    // Unlike a due mark, this one cannot wait: out of file descriptors, it throws, and the
    // write that deletes the groups does not happen.
    // A mark still due must not bring them back either.
    this.due = this.due?.filter(([id]) => !deleted.has(toGroupId(id)));
    if (!this.written.some(([id]) => deleted.has(toGroupId(id)))) return;
    this.write(this.written.filter(([id]) => !deleted.has(toGroupId(id))));
    syncDirectory(dirname(this.path));
  }

  private write(groups: readonly MarkedGroup[]): void {
    const text = textOf(groups);
    // A write that changed no group's term or commit marks nothing anew.
    if (text === this.writtenText) return;
    const temporary = `${this.path}.tmp`;
    const fd = openSync(temporary, "w", 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // A rename lost in a crash leaves the older mark: below the database still, unless it
    // names a group deleted since, which forget() rules out.
    renameSync(temporary, this.path);
    this.written = groups;
    this.writtenText = text;
  }
}

/**
 * EMFILE (this process) or ENFILE (the whole system): out of file descriptors, so the open of
 * the mark's temporary file failed before anything was written.
 */
function isOutOfDescriptors(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "EMFILE" || code === "ENFILE";
}

function textOf(groups: readonly MarkedGroup[]): string {
  return JSON.stringify({ version: 1, groups } satisfies MarkJson);
}
