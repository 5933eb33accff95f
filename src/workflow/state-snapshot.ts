// The workflow state machine's snapshot: the execution table as JSON text. Raft snapshots
// carry it to slow followers and across restarts, so finished results survive both.
// Format 1: { format, lastAppliedIndex, logTimeMs, executions: [...in start order],
// finishedOrder: [...ids in finish order], isSealed, retention?, evicted?: [[id, record]...
// oldest first] }. The last two came with configurable retention: a snapshot without them
// is a group that never applied Configure, and restores as one.
// Pure: no I/O.

import { AssertionError, assert, parseRetention, type RetentionSetting } from "../lib/index.ts";
import type { ExecutionRecord } from "./execution.ts";
import { type EvictedRecord, ExecutionTable } from "./execution-table.ts";

const SNAPSHOT_FORMAT = 1;
const COMMA = 0x2c;

interface SnapshotJson {
  readonly format: number;
  readonly lastAppliedIndex: number;
  readonly logTimeMs: number;
  readonly executions: readonly ExecutionRecord[];
  readonly finishedOrder: readonly string[];
  readonly isSealed: boolean;
  readonly retention?: RetentionSetting;
  readonly evicted?: readonly (readonly [string, EvictedRecord])[];
}

/**
 * `prefix`, then the same text as `JSON.stringify` of a SnapshotJson as UTF-8, in one buffer
 * allocated once: a finished execution's text was kept when it finished (ExecutionTable.jsonOf),
 * so a large state costs copying its texts, not encoding every retained result again, nor a
 * joined string and its bytes besides, each tens of MB of fresh memory to fault in.
 */
export function encodeStateSnapshot(table: ExecutionTable, prefix: Uint8Array): Uint8Array {
  const head: Pick<SnapshotJson, "format" | "lastAppliedIndex" | "logTimeMs"> = {
    format: SNAPSHOT_FORMAT,
    lastAppliedIndex: table.lastAppliedIndex,
    logTimeMs: table.logTimeMs,
  };
  const tail: Omit<SnapshotJson, keyof typeof head | "executions"> = {
    finishedOrder: [...table.finishedIds()],
    isSealed: table.isSealed,
    ...(table.retention === undefined
      ? {}
      : { retention: table.retention, evicted: [...table.evicted] }),
  };
  // Both objects have fields, so each text is "{...}": drop the braces where they meet.
  const opening = `${JSON.stringify(head).slice(0, -1)},"executions":[`;
  const closing = `],${JSON.stringify(tail).slice(1)}`;
  const executions = [...table.executions.values()].map((record) => table.jsonOf(record));
  // The executions are separated by commas, one byte each.
  let size = prefix.byteLength + Math.max(0, executions.length - 1);
  for (const text of [opening, ...executions, closing]) size += Buffer.byteLength(text, "utf8");
  const bytes = new Uint8Array(size);
  bytes.set(prefix);
  const encoder = new TextEncoder();
  let offset = prefix.byteLength;
  const write = (text: string) => {
    offset += encoder.encodeInto(text, bytes.subarray(offset)).written;
  };
  write(opening);
  executions.forEach((text, position) => {
    if (position > 0) bytes[offset++] = COMMA;
    write(text);
  });
  write(closing);
  assert(offset === size, `workflow snapshot: wrote ${offset} of ${size} bytes`);
  return bytes;
}

/** Rebuilds a table; an empty snapshot is a group that never applied a workflow command. */
export function decodeStateSnapshot(data: Uint8Array): ExecutionTable {
  const table = new ExecutionTable();
  if (data.byteLength === 0) return table;
  // The bytes are our own encoding, carried by Raft with a checksum: a failure here is
  // corruption or a bug, so it stops the group rather than guessing.
  const json = JSON.parse(new TextDecoder().decode(data)) as SnapshotJson;
  assert(json.format === SNAPSHOT_FORMAT, `workflow snapshot: unknown format ${json.format}`);
  assert(Array.isArray(json.executions), "workflow snapshot: executions missing");
  assert(Array.isArray(json.finishedOrder), "workflow snapshot: finishedOrder missing");
  table.lastAppliedIndex = json.lastAppliedIndex;
  table.logTimeMs = json.logTimeMs;
  assert(typeof json.isSealed === "boolean", "workflow snapshot: isSealed missing");
  table.isSealed = json.isSealed;
  for (const record of json.executions) {
    table.restoreRecord({ ...record, checkpoints: [...record.checkpoints] });
  }
  for (const workflowId of json.finishedOrder) {
    const record = table.executions.get(workflowId);
    assert(record !== undefined, `workflow snapshot: finished ${workflowId} has no record`);
    table.queueFinished(record);
  }
  if (json.retention !== undefined) {
    table.retention = parseRetention(json.retention, snapshotError, "workflow snapshot retention");
  }
  assert(json.evicted === undefined || Array.isArray(json.evicted), "workflow snapshot: evicted");
  for (const [workflowId, record] of json.evicted ?? []) table.evicted.set(workflowId, record);
  table.checkStructure();
  return table;
}

/** Our own bytes failing validation: corruption or a bug (see decodeStateSnapshot). */
function snapshotError(path: string, problem: string): Error {
  return new AssertionError(`${path} ${problem}`);
}
