// Rows of the SQLite schema and their conversion back into Raft values. Every row is checked
// on the way out (checksum, known codes, sane numbers): a row that fails is reported as a
// StorageCorruptError naming the file, group and index, and never returned as data.

import { type GroupId, groupId, type LogIndex, logIndex, nodeId, term } from "../lib/index.ts";
import type { Entry, HardState, Snapshot } from "../raft/index.ts";
import type { GroupTombstone, NodeIdentity } from "./log-storage.ts";
import {
  decodeConfState,
  entryChecksum,
  entryTypeFromCode,
  hardStateChecksum,
  snapshotChecksum,
  tombstoneChecksum,
} from "./record-encoding.ts";
import { decodeSnapshotData } from "./snapshot-encoding.ts";
import { LEAVING, LEFT } from "./sqlite-schema.ts";
import { StorageCorruptError } from "./storage-error.ts";

export interface EntryRow {
  readonly entry_index: number;
  readonly term: number;
  readonly type: number;
  readonly data: Uint8Array;
  readonly checksum: number;
}

export interface HardStateRow {
  readonly group_id: number;
  readonly term: number;
  readonly vote: number;
  readonly commit_index: number;
  readonly checksum: number;
}

export interface SnapshotRow {
  readonly snapshot_index: number;
  readonly term: number;
  readonly conf_state: string;
  readonly data: Uint8Array;
  /** SNAPSHOT_ENCODING: how `data` holds the snapshot's bytes. */
  readonly encoding: number;
  readonly checksum: number;
}

export interface IdentityRow {
  readonly node_id: number;
  readonly cluster_id: string;
  readonly advertise_address: string;
  readonly transport: string;
  readonly incarnation: number;
  readonly claim_incarnation: number | null;
  readonly claim_nonce: string | null;
  /** 1 once the node left the cluster, else 0. */
  readonly has_left: number;
}

export interface TombstoneRow {
  readonly term: number;
  readonly vote: number;
  readonly last_index: number;
  readonly last_term: number;
  readonly checksum: number;
}

const CORRUPT_ADVICE =
  "Stop this node, move its directory aside, and let it rejoin to catch up from the other replicas.";

/** A StorageCorruptError for a bad record of group `groupId` (at `index` if known). */
export function corruptRecord(options: {
  file: string;
  groupId: GroupId;
  index?: LogIndex;
  problem: string;
}): StorageCorruptError {
  const { file, groupId, index, problem } = options;
  const record = index === undefined ? "" : ` entry ${index}`;
  return new StorageCorruptError(
    `${file}: group ${groupId}${record} is corrupt (${problem}); it was not used. ${CORRUPT_ADVICE}`,
    index === undefined ? { file, groupId } : { file, groupId, index },
  );
}

function isIndex(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

export function entryFromRow(file: string, groupId: GroupId, row: EntryRow): Entry {
  const index = logIndex(isIndex(row.entry_index) ? row.entry_index : 0);
  const type = entryTypeFromCode(row.type);
  if (type === undefined || !isIndex(row.term) || !(row.data instanceof Uint8Array)) {
    throw corruptRecord({ file, groupId, index, problem: `unreadable row, type code ${row.type}` });
  }
  const entry: Entry = { index, term: term(row.term), type, data: row.data };
  const computed = entryChecksum(groupId, entry);
  if (computed !== row.checksum) {
    const problem = `checksum ${hex(row.checksum)} stored, ${hex(computed)} computed`;
    throw corruptRecord({ file, groupId, index, problem });
  }
  return entry;
}

export function hardStateFromRow(file: string, row: HardStateRow): HardState {
  const id = groupId(row.group_id);
  if (!isIndex(row.term) || !isIndex(row.vote) || !isIndex(row.commit_index)) {
    throw corruptRecord({ file, groupId: id, problem: "unreadable hard state" });
  }
  const hardState = {
    term: term(row.term),
    vote: nodeId(row.vote),
    commit: logIndex(row.commit_index),
  };
  const computed = hardStateChecksum(id, hardState);
  if (computed !== row.checksum) {
    const problem = `hard state checksum ${hex(row.checksum)} stored, ${hex(computed)} computed`;
    throw corruptRecord({ file, groupId: id, problem });
  }
  return hardState;
}

export function snapshotFromRow(file: string, groupId: GroupId, row: SnapshotRow): Snapshot {
  const confState = decodeConfState(row.conf_state);
  if (confState === undefined || !isIndex(row.snapshot_index) || !isIndex(row.term)) {
    throw corruptRecord({ file, groupId, problem: "unreadable snapshot metadata" });
  }
  const metadata = { index: logIndex(row.snapshot_index), term: term(row.term), confState };
  const decoded = decodeSnapshotData({ encoding: row.encoding, bytes: row.data });
  if (!decoded.ok) {
    const problem = `snapshot ${metadata.index}: ${decoded.problem}`;
    throw corruptRecord({ file, groupId, problem });
  }
  const data = decoded.data;
  const computed = snapshotChecksum({ groupId, metadata, confStateJson: row.conf_state, data });
  if (computed !== row.checksum) {
    const problem = `snapshot ${metadata.index} checksum ${hex(row.checksum)} stored, ${hex(computed)} computed`;
    throw corruptRecord({ file, groupId, problem });
  }
  return { metadata, data };
}

export function identityFromRow(file: string, row: IdentityRow): NodeIdentity {
  const isCount = (value: number | null) => Number.isSafeInteger(value) && (value ?? -1) >= 0;
  const hasClaim = row.claim_incarnation !== null;
  const isValid =
    Number.isSafeInteger(row.node_id) &&
    row.node_id > 0 &&
    (row.transport === "grpc" || row.transport === "http") &&
    isCount(row.incarnation) &&
    (row.has_left === 0 || row.has_left === LEFT || row.has_left === LEAVING) &&
    (hasClaim
      ? isCount(row.claim_incarnation) && row.claim_nonce !== null
      : row.claim_nonce === null);
  if (!isValid) {
    throw new StorageCorruptError(
      `${file}: the stored node identity is unreadable (node id ${row.node_id}, transport ${row.transport}, incarnation ${row.incarnation}, claim ${row.claim_incarnation}, left ${row.has_left}). ${CORRUPT_ADVICE}`,
      { file },
    );
  }
  return {
    nodeId: nodeId(row.node_id),
    clusterId: row.cluster_id,
    advertiseAddress: row.advertise_address,
    transport: row.transport as NodeIdentity["transport"],
    ...(row.incarnation === 0 ? {} : { incarnation: row.incarnation }),
    ...(row.claim_incarnation === null || row.claim_nonce === null
      ? {}
      : { claim: { incarnation: row.claim_incarnation, nonce: row.claim_nonce } }),
    ...(row.has_left === LEFT ? { hasLeft: true } : {}),
    ...(row.has_left === LEAVING ? { isLeaving: true } : {}),
  };
}

export function tombstoneFromRow(
  file: string,
  groupId: GroupId,
  row: TombstoneRow,
): GroupTombstone {
  const values = [row.term, row.vote, row.last_index, row.last_term];
  if (!values.every(isIndex)) {
    throw corruptRecord({ file, groupId, problem: "unreadable tombstone" });
  }
  const tombstone = {
    term: term(row.term),
    vote: nodeId(row.vote),
    lastIndex: logIndex(row.last_index),
    lastTerm: term(row.last_term),
  };
  const computed = tombstoneChecksum(groupId, tombstone);
  if (computed !== row.checksum) {
    const problem = `tombstone checksum ${hex(row.checksum)} stored, ${hex(computed)} computed`;
    throw corruptRecord({ file, groupId, problem });
  }
  return tombstone;
}

function hex(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, "0")}`;
}
