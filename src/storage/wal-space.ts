// Room for SQLite's write-ahead log, written once a node is ready rather than when its database
// opens: 8-9 ms that no start needs to wait for (docs/performance.md, "Start-up"). An fsync that
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

import { closeSync, fdatasync, fstatSync, ftruncateSync, openSync, writeSync } from "node:fs";

/**
 * A WAL cycle: 1,000 frames (SQLite's default wal_autocheckpoint) of a 4 KiB page and its
 * 24-byte header is 4.1 MB; the transaction that crosses it goes past, hence the margin.
 */
export const WAL_SPACE_BYTES = 6 * 1024 * 1024;
/**
 * Zeros written per call. Not more: the kernel's first touch of a larger buffer's pages costs
 * more than the writes (a 1 MiB buffer made a 6 MiB fill take 3.5-8.5 ms, 64 KiB 1.3 ms).
 */
const CHUNK_BYTES = 64 * 1024;

/** Errors that say the disk (or this process's file size limit) has no room to spare. */
const NO_ROOM_CODES: ReadonlySet<string> = new Set(["ENOSPC", "EDQUOT", "EFBIG"]);

/**
 * Extends `walFile` with zeros to `bytes` (if it is shorter) and makes them durable; false
 * when the disk has no room for them, which only costs the speed-up: the zeros are taken
 * back, so a node on a nearly full disk goes on. Call it from the connection's own thread,
 * between SQLite's writes: the file's end is read and filled in one synchronous step, so no
 * frame can land past it meanwhile. The fsync (most of the cost) runs off the thread, and
 * SQLite may write meanwhile: only over the zeros, never under them.
 */
export async function reserveWalSpace(
  walFile: string,
  bytes: number = WAL_SPACE_BYTES,
): Promise<boolean> {
  const descriptor = openSync(walFile, "r+");
  try {
    const start = fstatSync(descriptor).size;
    if (start >= bytes) return true;
    if (!fillWithZeros(descriptor, start, bytes)) return false;
    // A failure here is not "no room" any more: frames may follow the zeros by now, so the
    // file is not cut back, and the caller takes it as the storage's failure.
    await new Promise<void>((resolve, reject) => {
      fdatasync(descriptor, (error) => (error === null ? resolve() : reject(error)));
    });
    return true;
  } finally {
    closeSync(descriptor);
  }
}

/** Writes zeros from `start`, the file's end, up to `bytes`; false (none kept) without room. */
function fillWithZeros(descriptor: number, start: number, bytes: number): boolean {
  try {
    const zeros = new Uint8Array(CHUNK_BYTES);
    for (let size = start; size < bytes; ) {
      // Each write ends on a chunk's boundary, so only the first can start inside a page.
      const end = Math.min(bytes, (Math.floor(size / CHUNK_BYTES) + 1) * CHUNK_BYTES);
      size += writeSync(descriptor, zeros, 0, end - size, size);
    }
    return true;
  } catch (error) {
    if (!NO_ROOM_CODES.has((error as NodeJS.ErrnoException).code ?? "")) throw error;
    // Handled: the room is an optimisation; the node's writes find out about the disk.
    ftruncateSync(descriptor, start);
    return false;
  }
}
