// What a node has made durable, written beside its database (`durable-mark.json`) so that a
// start can tell when the database lost writes it had synced. SQLite cannot: a WAL cut short or
// damaged in the middle opens as an older, consistent database (docs/storage.md, "Lost
// writes"), and such a node, with one that missed the same entries, could elect a leader
// without entries clients were told are committed.
//
// The mark holds each group's term and commit index as of a synced write. Neither ever goes
// down in a group's storage, so a database below its mark lost writes. The mark is written at
// most once per interval after a synced write, and at a clean close: it lags what is durable
// by up to that interval, and never leads it. A write that deletes a group first marks the
// others without it: a replica made again later starts anew.

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
import type { GroupLogState } from "./group-log-state.ts";
import { StorageCorruptError, StorageError } from "./storage-error.ts";

export const DURABLE_MARK_FILE_NAME = "durable-mark.json";

/** Default least time between two marks. */
export const DURABLE_MARK_INTERVAL_MS = 1_000;

/** One group's place in the mark: [group id, term, commit]. */
type MarkedGroup = readonly [number, number, number];

interface MarkJson {
  readonly version: 1;
  readonly groups: readonly MarkedGroup[];
}

export function durableMarkPath(databaseFile: string): string {
  return join(dirname(databaseFile), DURABLE_MARK_FILE_NAME);
}

/**
 * STALE_INCARNATION if a group in `databaseFile`'s mark is stored here at a lower term or
 * commit than the mark says, or not at all. No mark (a directory from
 * before marks, or one whose mark was never written): nothing to compare.
 */
export function checkDurableMark(options: {
  readonly databaseFile: string;
  readonly states: ReadonlyMap<GroupId, GroupLogState>;
}): void {
  const { databaseFile, states } = options;
  const path = durableMarkPath(databaseFile);
  if (!existsSync(path)) return;
  for (const [id, term, commit] of readMark(path).groups) {
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
}

function readMark(path: string): MarkJson {
  try {
    const json = JSON.parse(readFileSync(path, "utf8")) as MarkJson;
    if (json.version === 1 && Array.isArray(json.groups)) return json;
  } catch (error) {
    throw new StorageCorruptError(`${path} is not readable: ${(error as Error).message}`, {
      file: path,
      cause: error,
    });
  }
  throw new StorageCorruptError(`${path} is not a durable mark this build knows`, { file: path });
}

function markText(states: ReadonlyMap<GroupId, GroupLogState>): string {
  const groups: MarkedGroup[] = [];
  for (const state of states.values()) groups.push([state.groupId, state.term, state.commit]);
  return JSON.stringify({ version: 1, groups } satisfies MarkJson);
}

/**
 * Writes the mark of a database's synced writes, at most once per interval. On the write path,
 * as the database's own writes are (a small file, one fsync: about a fifth of a millisecond,
 * once a second at most).
 */
export class DurableMarkWriter {
  readonly path: string;
  private writtenAtMs = Number.NEGATIVE_INFINITY;
  /** The text on disk: a write that changed no group's term or commit marks nothing anew. */
  private written = "";

  constructor(
    databaseFile: string,
    private readonly intervalMs: number = DURABLE_MARK_INTERVAL_MS,
  ) {
    this.path = durableMarkPath(databaseFile);
  }

  /** A synced write left the database at `states`: marks them, unless marked lately. */
  synced(states: ReadonlyMap<GroupId, GroupLogState>, nowMs: number = performance.now()): void {
    if (nowMs - this.writtenAtMs < this.intervalMs) return;
    this.writtenAtMs = nowMs;
    this.write(states);
  }

  /** Marks `states` now, whatever the interval (a clean close: everything is durable). */
  write(states: ReadonlyMap<GroupId, GroupLogState>): void {
    const text = markText(states);
    if (text === this.written) return;
    const temporary = `${this.path}.tmp`;
    const fd = openSync(temporary, "w", 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // A rename lost in a crash leaves the older mark: a lower bound still.
    renameSync(temporary, this.path);
    this.written = text;
  }
}
