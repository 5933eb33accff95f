// Room for SQLite's write-ahead log, written once when the database opens. An fsync that
// extends a file also commits file-system metadata (the new size and blocks): on this
// machine's ext4 a 4 KiB append's fdatasync takes 0.2-0.4 ms, against 0.09-0.13 ms for the
// same write into blocks the file already has (docs/performance.md, "The start's transient").
// SQLite deletes the WAL at a clean close and starts it empty, so without this room every
// commit of a node's first WAL cycle (about 4 MiB, until the first checkpoint lets SQLite
// write it again from the top) pays for growing it.
//
// Only bytes past the file's end are written, so no frame SQLite wrote is touched. SQLite
// reads a WAL only up to the first frame whose salt and checksum do not match its header, so
// zeros after the last frame are never taken for a commit (https://sqlite.org/fileformat2.html,
// "WAL file format").

import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, openSync, writeSync } from "node:fs";

/**
 * A WAL cycle: 1,000 frames (SQLite's default wal_autocheckpoint) of a 4 KiB page and its
 * 24-byte header is 4.1 MB; the transaction that crosses it goes past, hence the margin.
 */
export const WAL_SPACE_BYTES = 6 * 1024 * 1024;
const CHUNK_BYTES = 1024 * 1024;

/** Errors that say the disk (or this process's file size limit) has no room to spare. */
const NO_ROOM_CODES: ReadonlySet<string> = new Set(["ENOSPC", "EDQUOT", "EFBIG"]);

/**
 * Extends `walFile` with zeros to `bytes` (if it is shorter) and makes them durable; false
 * when the disk has no room for them, which only costs the speed-up: the zeros are taken
 * back, so a node on a nearly full disk still starts. Call it from the connection's own
 * thread, between SQLite's writes: the file's end is read and filled in one synchronous step,
 * so no frame can land past it meanwhile.
 */
export function reserveWalSpace(walFile: string, bytes: number = WAL_SPACE_BYTES): boolean {
  const descriptor = openSync(walFile, "r+");
  try {
    const start = fstatSync(descriptor).size;
    if (start >= bytes) return true;
    try {
      const zeros = new Uint8Array(CHUNK_BYTES);
      for (let size = start; size < bytes; ) {
        size += writeSync(descriptor, zeros, 0, Math.min(CHUNK_BYTES, bytes - size), size);
      }
      fdatasyncSync(descriptor);
      return true;
    } catch (error) {
      if (!NO_ROOM_CODES.has((error as NodeJS.ErrnoException).code ?? "")) throw error;
      // Handled: the room is an optimisation; the node's writes find out about the disk.
      ftruncateSync(descriptor, start);
      return false;
    }
  } finally {
    closeSync(descriptor);
  }
}
