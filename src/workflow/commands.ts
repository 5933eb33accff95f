// The commands of an execution group's log, encoded as JSON text (UTF-8). The decoder is the
// gateway: the bytes come from the log, which another version or a buggy proposer may have
// written, so every field is checked once here and trusted afterwards.
// Pure: no I/O.

import {
  fieldReaders,
  isTraceId,
  type NodeId,
  nodeId,
  parseRetention,
  type RetentionSetting,
} from "../lib/index.ts";
import { REASON_CHARS_MAX } from "./cancel.ts";
import type { RecordedError } from "./errors.ts";
import type {
  CancelRequest,
  CheckpointKind,
  CheckpointOutcome,
  CheckpointRecord,
  ExecutionRecord,
  StepStats,
} from "./execution.ts";
import type { ExecutionState } from "./execution-table.ts";
import { isJsonValue, type JsonValue } from "./json.ts";

export type WorkflowCommand =
  | {
      readonly type: "Start";
      readonly workflowId: string;
      readonly name: string;
      readonly version: number;
      readonly input: JsonValue;
      readonly owner: NodeId;
      readonly startedAtMs: number;
      readonly seed: number;
      readonly runtimeVersion: number;
      /** The W3C trace id of the request that started it, for log lines on every node. */
      readonly traceId?: string;
    }
  | {
      readonly type: "Checkpoint";
      readonly workflowId: string;
      readonly ownerEpoch: number;
      readonly seq: number;
      readonly kind: CheckpointKind;
      readonly name: string;
      readonly outcome: CheckpointOutcome;
      readonly atMs: number;
      /** A step's attempts and duration (absent in entries from before they were kept). */
      readonly stats?: StepStats;
    }
  | {
      readonly type: "Complete";
      readonly workflowId: string;
      readonly ownerEpoch: number;
      readonly output: JsonValue;
      readonly finishedAtMs: number;
    }
  | {
      readonly type: "Fail";
      readonly workflowId: string;
      readonly ownerEpoch: number;
      readonly error: RecordedError;
      readonly finishedAtMs: number;
    }
  | {
      /** The group is being drained: from here on every Start is refused. */
      readonly type: "Seal";
    }
  | {
      /** Finished executions a drained group hands over before it is destroyed. */
      readonly type: "Adopt";
      readonly records: readonly ExecutionState[];
    }
  | {
      /**
       * The group's retention from here on: its leader copies the cluster's setting from the
       * management state into the group's own log, so every member prunes alike.
       */
      readonly type: "Configure";
      readonly retention: RetentionSetting;
    }
  | {
      /**
       * Log time moves to `atMs`, the leader's clock: proposed when finished executions
       * outlived the retention's time limit by that clock while no command brought the time.
       * Pruning after it drops them, on every member alike.
       */
      readonly type: "Expire";
      readonly atMs: number;
    }
  | {
      /** An event for the execution's inbox (events.ts); a known eventId is a no-op. */
      readonly type: "Signal";
      readonly workflowId: string;
      readonly eventId: string;
      readonly name: string;
      readonly payload: JsonValue;
    }
  | {
      /** Asks a Running execution to stop at its next ctx call (cancel.ts); once. */
      readonly type: "Cancel";
      readonly workflowId: string;
      /** "" when the caller gave none. */
      readonly reason: string;
      readonly requestedAtMs: number;
    }
  | {
      /** Ends a Running execution at once, as Terminated (cancel.ts). */
      readonly type: "Terminate";
      readonly workflowId: string;
      /** "" when the caller gave none. */
      readonly reason: string;
      readonly requestedAtMs: number;
    }
  | {
      readonly type: "AssignOwner";
      readonly workflowId: string;
      readonly owner: NodeId;
      /** Must be the current epoch + 1. */
      readonly epoch: number;
    };

export type WorkflowCommandType = WorkflowCommand["type"];

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function encodeCommand(command: WorkflowCommand): Uint8Array {
  return encoder.encode(JSON.stringify(command));
}

export type DecodeResult =
  | { readonly ok: true; readonly command: WorkflowCommand }
  | { readonly ok: false; readonly problem: string };

/** Longest workflow id, name or error text a command may carry. */
const TEXT_CHARS_MAX = 8192;
const KINDS: readonly CheckpointKind[] = [
  "checkpoint",
  "set",
  "step",
  "sleep",
  "wake",
  "event-wait",
  "event",
  "patch",
  "child",
  "cancel",
];

class Malformed extends Error {}

const read = fieldReaders((path, problem) => new Malformed(`${path} ${problem}`));

/** Decodes and validates one command; a malformed one comes back as `ok: false`. */
export function decodeCommand(data: Uint8Array): DecodeResult {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(data));
  } catch (error) {
    // Converted: bytes that are not UTF-8 JSON are a refused command on every member alike.
    return { ok: false, problem: `not UTF-8 JSON: ${(error as Error).message}` };
  }
  if (typeof value !== "object" || value === null) return { ok: false, problem: "not an object" };
  try {
    return { ok: true, command: parseFields(value as Record<string, unknown>) };
  } catch (error) {
    // Converted: a field that fails validation refuses the command; other errors are bugs.
    if (error instanceof Malformed) return { ok: false, problem: error.message };
    throw error;
  }
}

function parseFields(f: Record<string, unknown>): WorkflowCommand {
  if (f.type === "Seal") return { type: "Seal" };
  if (f.type === "Configure") return { type: "Configure", retention: retention(f.retention) };
  if (f.type === "Expire") return { type: "Expire", atMs: read.integer(f.atMs, "atMs") };
  if (f.type === "Adopt")
    return {
      type: "Adopt",
      records: read.list(f.records, "records", ADOPT_RECORDS_MAX).map(finished),
    };
  const workflowId = text(f.workflowId, "workflowId");
  if (f.type === "Cancel" || f.type === "Terminate") {
    const requestedAtMs = read.integer(f.requestedAtMs, "requestedAtMs");
    return { type: f.type, workflowId, reason: reason(f.reason), requestedAtMs };
  }
  switch (f.type) {
    case "Start":
      return startOf(f, workflowId);
    case "Checkpoint":
      return checkpointOf(f, workflowId);
    case "Complete":
      return {
        type: "Complete",
        workflowId,
        ownerEpoch: read.integer(f.ownerEpoch, "ownerEpoch"),
        output: json(f.output, "output"),
        finishedAtMs: read.integer(f.finishedAtMs, "finishedAtMs"),
      };
    case "Fail":
      return {
        type: "Fail",
        workflowId,
        ownerEpoch: read.integer(f.ownerEpoch, "ownerEpoch"),
        error: recordedError(f.error),
        finishedAtMs: read.integer(f.finishedAtMs, "finishedAtMs"),
      };
    case "Signal":
      return {
        type: "Signal",
        workflowId,
        eventId: text(f.eventId, "eventId"),
        name: text(f.name, "name"),
        payload: json(f.payload, "payload"),
      };
    case "AssignOwner":
      return {
        type: "AssignOwner",
        workflowId,
        owner: nodeId(read.integer(f.owner, "owner")),
        epoch: read.integer(f.epoch, "epoch"),
      };
    default:
      throw new Malformed(`unknown command type ${JSON.stringify(f.type)}`);
  }
}

function startOf(f: Record<string, unknown>, workflowId: string): WorkflowCommand {
  return {
    type: "Start",
    workflowId,
    name: text(f.name, "name"),
    version: read.integer(f.version, "version"),
    input: json(f.input, "input"),
    owner: nodeId(read.integer(f.owner, "owner")),
    startedAtMs: read.integer(f.startedAtMs, "startedAtMs"),
    seed: read.integer(f.seed, "seed"),
    runtimeVersion: read.integer(f.runtimeVersion, "runtimeVersion"),
    ...optionalTraceId(f.traceId, "traceId"),
  };
}

function checkpointOf(f: Record<string, unknown>, workflowId: string): WorkflowCommand {
  return {
    type: "Checkpoint",
    workflowId,
    ownerEpoch: read.integer(f.ownerEpoch, "ownerEpoch"),
    seq: read.integer(f.seq, "seq"),
    kind: kind(f.kind),
    name: text(f.name, "name"),
    outcome: outcome(f.outcome),
    atMs: read.integer(f.atMs, "atMs"),
    ...optionalStats(f.stats, "stats"),
  };
}

/** Records handed over per Adopt command, so one entry stays small. */
export const ADOPT_RECORDS_MAX = 256;

const FINISHED_STATUSES: readonly ExecutionRecord["status"][] = [
  "Completed",
  "Failed",
  "Cancelled",
  "Terminated",
];

/** A finished execution record, as a drained group hands it over. */
function finished(value: unknown): ExecutionRecord {
  const f = read.object(value, "record");
  const status = read.oneOf(f.status, "record.status", FINISHED_STATUSES);
  if (!Array.isArray(f.checkpoints)) throw new Malformed("record.checkpoints must be an array");
  return {
    workflowId: text(f.workflowId, "record.workflowId"),
    name: text(f.name, "record.name"),
    version: read.integer(f.version, "record.version"),
    input: json(f.input, "record.input"),
    runtimeVersion: read.integer(f.runtimeVersion, "record.runtimeVersion"),
    seed: read.integer(f.seed, "record.seed"),
    startedAtMs: read.integer(f.startedAtMs, "record.startedAtMs"),
    owner: nodeId(read.integer(f.owner, "record.owner")),
    ownerEpoch: read.integer(f.ownerEpoch, "record.ownerEpoch"),
    status,
    checkpoints: f.checkpoints.map(checkpoint),
    ...optionalTraceId(f.traceId, "record.traceId"),
    ...(status === "Completed"
      ? { output: json(f.output, "record.output") }
      : { error: recordedError(f.error) }),
    finishedAtMs: read.integer(f.finishedAtMs, "record.finishedAtMs"),
    // Kept, so that a repeated cancel is acknowledged by the heir as it was here.
    ...(f.cancelRequest === undefined ? {} : { cancelRequest: cancelRequest(f.cancelRequest) }),
  };
}

function cancelRequest(value: unknown): CancelRequest {
  const f = read.object(value, "record.cancelRequest");
  return {
    reason: reason(f.reason),
    requestedAtMs: read.integer(f.requestedAtMs, "record.cancelRequest.requestedAtMs"),
  };
}

function checkpoint(value: unknown, seq: number): CheckpointRecord {
  const f = read.object(value, "checkpoint");
  if (f.seq !== seq) throw new Malformed(`checkpoint ${seq} is out of sequence`);
  return {
    seq,
    kind: kind(f.kind),
    name: text(f.name, "checkpoint.name"),
    outcome: outcome(f.outcome),
    atMs: read.integer(f.atMs, "checkpoint.atMs"),
    ownerEpoch: read.integer(f.ownerEpoch, "checkpoint.ownerEpoch"),
    ...optionalStats(f.stats, "checkpoint.stats"),
  };
}

function optionalStats(value: unknown, name: string): { stats?: StepStats } {
  if (value === undefined) return {};
  const f = read.object(value, name);
  const attempts = read.integer(f.attempts, `${name}.attempts`);
  return { stats: { attempts, durationMs: read.integer(f.durationMs, `${name}.durationMs`) } };
}

function retention(value: unknown): RetentionSetting {
  return parseRetention(value, (path, problem) => new Malformed(`${path} ${problem}`), "retention");
}

function text(value: unknown, name: string): string {
  const checked = read.text(value, name, TEXT_CHARS_MAX);
  if (checked === "") throw new Malformed(`${name} must not be empty`);
  return checked;
}

/** A Cancel's or Terminate's reason: any text up to REASON_CHARS_MAX, "" for none. */
function reason(value: unknown): string {
  return read.text(value, "reason", REASON_CHARS_MAX);
}

function optionalTraceId(value: unknown, name: string): { traceId?: string } {
  if (value === undefined) return {};
  if (!isTraceId(value)) throw new Malformed(`${name} must be 32 lowercase hex digits`);
  return { traceId: value };
}

function json(value: unknown, name: string): JsonValue {
  if (!isJsonValue(value)) throw new Malformed(`${name} must be a JSON value`);
  return value;
}

function kind(value: unknown): CheckpointKind {
  return read.oneOf(value, "kind", KINDS);
}

function outcome(value: unknown): CheckpointOutcome {
  const f = read.object(value, "outcome");
  if (f.ok === true) {
    return f.value === undefined
      ? { ok: true }
      : { ok: true, value: json(f.value, "outcome.value") };
  }
  if (f.ok === false) return { ok: false, error: recordedError(f.error) };
  throw new Malformed("outcome.ok must be true or false");
}

function recordedError(value: unknown): RecordedError {
  const f = read.object(value, "error");
  return {
    name: text(f.name, "error.name"),
    message: read.text(f.message, "error.message", TEXT_CHARS_MAX),
    ...(f.code === undefined ? {} : { code: text(f.code, "error.code") }),
  };
}
