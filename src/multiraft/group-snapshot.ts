// A group's snapshot holds the host's replicated bookkeeping (the dedupe table) next to the
// application's own snapshot: [u32 length][dedupe table as JSON][state machine bytes].

import { assert } from "../lib/index.ts";
import { DedupeTable, type DedupeTableJson } from "./dedupe-table.ts";
import type { StateMachine } from "./state-machine.ts";

export function encodeGroupSnapshot(
  table: DedupeTable,
  stateMachine: Pick<StateMachine, "snapshotAfter">,
): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify(table.toJson()));
  const prefix = new Uint8Array(4 + header.byteLength);
  new DataView(prefix.buffer).setUint32(0, header.byteLength);
  prefix.set(header, 4);
  return stateMachine.snapshotAfter(prefix);
}

export function decodeGroupSnapshot(data: Uint8Array): { table: DedupeTable; state: Uint8Array } {
  // An empty snapshot is a group that never applied anything.
  if (data.byteLength === 0) return { table: new DedupeTable(), state: data };
  assert(data.byteLength >= 4, "group snapshot: truncated header");
  const length = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0);
  assert(4 + length <= data.byteLength, "group snapshot: header longer than the snapshot");
  const json = JSON.parse(
    new TextDecoder().decode(data.subarray(4, 4 + length)),
  ) as DedupeTableJson;
  return { table: DedupeTable.fromJson(json), state: data.subarray(4 + length) };
}
