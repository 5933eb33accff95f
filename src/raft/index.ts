// Public surface of src/raft: the pure Raft algorithm and its data types.

export {
  type ConfChange,
  type ConfChangeSingle,
  type ConfChangeTransition,
  type ConfChangeType,
  type ConfState,
  EMPTY_CONF_STATE,
  type Entry,
  type EntryType,
  type HardState,
  type Snapshot,
  type SnapshotMetadata,
} from "./types.ts";
