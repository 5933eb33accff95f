// How stored records are encoded and checked: entry type codes, the conf state as JSON, and
// the CRC-32 checksums that make a corrupt or torn record detectable on every read.
// No I/O; shared by the SQLite core and its tests.

import { assert, assertionFailed, type GroupId, type NodeId, nodeId } from "../lib/index.ts";
import type { ConfState, Entry, EntryType, HardState, SnapshotMetadata } from "../raft/index.ts";
import type { GroupTombstone } from "./log-storage.ts";

/** Entry types as stored. Never renumber: files on disk hold these values. */
const ENTRY_TYPE_CODES = { normal: 0, confChange: 1 } as const satisfies Record<EntryType, number>;

export function entryTypeCode(type: EntryType): number {
  return ENTRY_TYPE_CODES[type];
}

/** The entry type stored as `code`, or undefined if no type has that code. */
export function entryTypeFromCode(code: number): EntryType | undefined {
  switch (code) {
    case ENTRY_TYPE_CODES.normal:
      return "normal";
    case ENTRY_TYPE_CODES.confChange:
      return "confChange";
    default:
      return undefined;
  }
}

// One scratch buffer for the fixed-size part of every checksum. Safe because checksums are
// computed synchronously, and each thread has its own module copy.
const HEADER_BYTES_MAX = 40;
const header = new DataView(new ArrayBuffer(HEADER_BYTES_MAX));

/** Writes a safe non-negative integer as 8 little-endian bytes (two 32-bit halves). */
function putInteger(offset: number, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    assertionFailed(`checksummed value must be a safe non-negative integer, got ${value}`);
  }
  header.setUint32(offset, value % 0x1_0000_0000, true);
  header.setUint32(offset + 4, Math.floor(value / 0x1_0000_0000), true);
  return offset + 8;
}

/** A view of the header's first n bytes for each length n, made once: one per checksum cost. */
const headerViews = Array.from(
  { length: HEADER_BYTES_MAX + 1 },
  (_, length) => new Uint8Array(header.buffer, 0, length),
);

function headerChecksum(length: number): number {
  const view = headerViews[length];
  if (view === undefined) assertionFailed(`checksum header of ${length} bytes`);
  return Bun.hash.crc32(view);
}

/**
 * CRC-32 over group id, index, term, type and data. The group id is included so that a row
 * that ends up under another group is caught too.
 */
export function entryChecksum(groupId: GroupId, entry: Entry): number {
  let offset = putInteger(0, groupId);
  offset = putInteger(offset, entry.index);
  offset = putInteger(offset, entry.term);
  header.setUint8(offset, entryTypeCode(entry.type));
  return Bun.hash.crc32(entry.data, headerChecksum(offset + 1));
}

export function hardStateChecksum(groupId: GroupId, hardState: HardState): number {
  let offset = putInteger(0, groupId);
  offset = putInteger(offset, hardState.term);
  offset = putInteger(offset, hardState.vote);
  offset = putInteger(offset, hardState.commit);
  return headerChecksum(offset);
}

export function tombstoneChecksum(groupId: GroupId, tombstone: GroupTombstone): number {
  let offset = putInteger(0, groupId);
  offset = putInteger(offset, tombstone.term);
  offset = putInteger(offset, tombstone.vote);
  offset = putInteger(offset, tombstone.lastIndex);
  offset = putInteger(offset, tombstone.lastTerm);
  return headerChecksum(offset);
}

/** CRC-32 over group id, index, term, the encoded conf state and the snapshot data. */
export function snapshotChecksum(options: {
  groupId: GroupId;
  metadata: SnapshotMetadata;
  confStateJson: string;
  data: Uint8Array;
}): number {
  let offset = putInteger(0, options.groupId);
  offset = putInteger(offset, options.metadata.index);
  offset = putInteger(offset, options.metadata.term);
  const withConfState = Bun.hash.crc32(options.confStateJson, headerChecksum(offset));
  return Bun.hash.crc32(options.data, withConfState);
}

export function encodeConfState(confState: ConfState): string {
  return JSON.stringify({
    voters: confState.voters,
    learners: confState.learners,
    votersOutgoing: confState.votersOutgoing,
    learnersNext: confState.learnersNext,
    autoLeave: confState.autoLeave,
  });
}

/** Parses a stored conf state; undefined if the text is not one (the caller reports where). */
export function decodeConfState(text: string): ConfState | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // Converted: malformed JSON is reported by the caller as corruption at its location.
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const voters = nodeIds(record.voters);
  const learners = nodeIds(record.learners);
  const votersOutgoing = nodeIds(record.votersOutgoing);
  const learnersNext = nodeIds(record.learnersNext);
  if (voters === undefined || learners === undefined) return undefined;
  if (votersOutgoing === undefined || learnersNext === undefined) return undefined;
  if (typeof record.autoLeave !== "boolean") return undefined;
  return { voters, learners, votersOutgoing, learnersNext, autoLeave: record.autoLeave };
}

function nodeIds(value: unknown): NodeId[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const ids: NodeId[] = [];
  for (const item of value) {
    if (typeof item !== "number" || !Number.isSafeInteger(item) || item < 0) return undefined;
    ids.push(nodeId(item));
  }
  return ids;
}

// The codes above must round-trip: files on disk rely on them never changing meaning.
for (const type of Object.keys(ENTRY_TYPE_CODES) as EntryType[]) {
  assert(entryTypeFromCode(entryTypeCode(type)) === type, `entry type ${type} must round-trip`);
}
