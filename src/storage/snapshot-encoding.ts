// How a snapshot's bytes are stored: compressed with zstd when that pays. A group's state is
// mostly JSON text (workflow inputs, checkpoints and results), which zstd's fastest level
// shrinks 10-20x at several hundred MB/s: a 30 MB snapshot is then written in a 2 MB
// transaction instead of a 30 MB one, and copied again at the WAL checkpoint as 2 MB (42-60
// against 148-174 ms, docs/performance.md). Only the file is compressed: Raft, the wire and
// the checksum see the snapshot's own bytes.

/** The `encoding` column of group_snapshot. Stored in files: never renumber. */
export const SNAPSHOT_ENCODING = { raw: 0, zstd: 1 } as const;

/** Below this, compressing saves too little to be worth the call. */
export const SNAPSHOT_COMPRESS_MIN_BYTES = 16 * 1024;

/** zstd's fastest level: on workflow state it did as well as level 3 (30 MB: 1.69 against 1.75 MB). */
const ZSTD_LEVEL = 1;

export interface StoredSnapshotData {
  readonly encoding: number;
  readonly bytes: Uint8Array;
}

/** The bytes to store for `data`: compressed when large enough and smaller that way. */
export function encodeSnapshotData(data: Uint8Array): StoredSnapshotData {
  if (data.byteLength < SNAPSHOT_COMPRESS_MIN_BYTES) {
    return { encoding: SNAPSHOT_ENCODING.raw, bytes: data };
  }
  const compressed = Bun.zstdCompressSync(data, { level: ZSTD_LEVEL });
  return compressed.byteLength < data.byteLength
    ? { encoding: SNAPSHOT_ENCODING.zstd, bytes: compressed }
    : { encoding: SNAPSHOT_ENCODING.raw, bytes: data };
}

/** The snapshot's own bytes, or why they cannot be had (the caller reports the row as corrupt). */
export function decodeSnapshotData(
  stored: StoredSnapshotData,
): { ok: true; data: Uint8Array } | { ok: false; problem: string } {
  switch (stored.encoding) {
    case SNAPSHOT_ENCODING.raw:
      return { ok: true, data: stored.bytes };
    case SNAPSHOT_ENCODING.zstd:
      try {
        return { ok: true, data: Bun.zstdDecompressSync(stored.bytes) };
      } catch (error) {
        return { ok: false, problem: `zstd data does not decompress (${String(error)})` };
      }
    default:
      return { ok: false, problem: `unknown encoding ${stored.encoding}` };
  }
}
