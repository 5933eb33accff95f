// Typed errors of the workflow layer, and the recorded form of user errors. An error thrown
// by workflow or step code is data: it is recorded in the log as { name, message, code } and
// thrown again, rebuilt from that record, on the first run and on every replay alike.
// Pure: no I/O.

import { type ErrorCode, RaftoralError } from "../lib/index.ts";

/** A user error as the log holds it. */
export interface RecordedError {
  readonly name: string;
  readonly message: string;
  /** The error's stable code, when it had one (a RaftoralError). */
  readonly code?: string;
}

/** Longest error message kept in the log; longer ones are cut (a log entry must stay small). */
export const ERROR_MESSAGE_CHARS_MAX = 4096;

/** Records `error` for the log: its name, message (bounded) and code. */
export function recordError(error: unknown): RecordedError {
  if (error instanceof Error) return recordedFields(error, error.name, error.message);
  // An object shaped like an error ({ message, code }) keeps its fields; anything else is
  // shown as its text.
  const fields = typeof error === "object" && error !== null ? (error as ErrorLike) : {};
  if (typeof fields.message === "string") {
    return recordedFields(error, fields.name, fields.message);
  }
  return { name: "Error", message: bounded(`non-Error value thrown: ${textOf(error)}`) };
}

interface ErrorLike {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
}

/**
 * The fields as the log's decoder takes them (a name of 1 to 8,192 characters, a message of
 * text, a code of 1 to 8,192 if any): an error thrown with an empty name or code, a name or
 * message that is not text (JavaScript lets code set them so), or a huge name or code. Before,
 * such an error was recorded as it was and refused at apply as malformed: a workflow that threw
 * it was proposed as failed again and again, a log entry each time, and never ended; a step's
 * was dropped with its checkpoint while the end chained behind it was taken.
 */
function recordedFields(error: unknown, name: unknown, message: unknown): RecordedError {
  const code = (error as ErrorLike).code;
  const isCode = typeof code === "string" && code !== "" && code.length <= ERROR_MESSAGE_CHARS_MAX;
  return {
    name: recordedName(name),
    message: bounded(typeof message === "string" ? message : textOf(message)),
    // A code is matched whole by callers: one cut short would be another code, so it goes.
    ...(isCode ? { code } : {}),
  };
}

function recordedName(name: unknown): string {
  if (typeof name !== "string" || name === "") return "Error";
  return name.length <= ERROR_MESSAGE_CHARS_MAX ? name : name.slice(0, ERROR_MESSAGE_CHARS_MAX);
}

/** `value` as text: JSON for objects (String() would say "[object Object]"). */
function textOf(value: unknown): string {
  if (typeof value !== "object" || value === null) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // Handled: a cycle or a BigInt inside; the type's own text is what is left to show.
    return String(value);
  }
}

function bounded(message: string): string {
  if (message.length <= ERROR_MESSAGE_CHARS_MAX) return message;
  return `${message.slice(0, ERROR_MESSAGE_CHARS_MAX)}... (cut at ${ERROR_MESSAGE_CHARS_MAX} chars)`;
}

const KNOWN_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  "INVALID_ARGUMENT",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "TIMEOUT",
  "UNAVAILABLE",
  "RESOURCE_EXHAUSTED",
  "DETERMINISM_VIOLATION",
  "INTERNAL",
]);

function codeOf(recorded: RecordedError): ErrorCode {
  const code = recorded.code;
  return code !== undefined && KNOWN_CODES.has(code) ? (code as ErrorCode) : "INTERNAL";
}

/**
 * What workflow code catches when a step failed (all attempts). Its `name` and `message` are
 * the original error's, so code that inspects them behaves the same on every replay.
 */
export class WorkflowStepError extends RaftoralError {
  readonly stepName: string;
  readonly seq: number;
  readonly recorded: RecordedError;

  constructor(stepName: string, seq: number, recorded: RecordedError) {
    super(codeOf(recorded), recorded.message);
    this.name = recorded.name;
    this.stepName = stepName;
    this.seq = seq;
    this.recorded = recorded;
  }
}

/** The (name, version) pair is not registered on this node. */
export class UnknownWorkflowError extends RaftoralError {
  readonly workflowName: string;
  readonly version: number;

  constructor(workflowName: string, version: number, known: readonly string[]) {
    const list = known.length === 0 ? "none" : known.join(", ");
    super(
      "NOT_FOUND",
      `unknown workflow ${workflowName} v${version}; registered workflows: ${list}`,
    );
    this.name = "UnknownWorkflowError";
    this.workflowName = workflowName;
    this.version = version;
  }
}

/** No execution with this id is known here (never started, or pruned by retention). */
export class WorkflowNotFoundError extends RaftoralError {
  readonly workflowId: string;

  constructor(workflowId: string) {
    super(
      "NOT_FOUND",
      `workflow ${workflowId} is not known to this execution cluster; check the workflow_id ` +
        "and execution_cluster_id (finished workflows are kept only up to the retention limit)",
    );
    this.name = "WorkflowNotFoundError";
    this.workflowId = workflowId;
  }
}

/**
 * The execution finished here and retention has since dropped its result (NOT_FOUND, like
 * an unknown id, but saying so: the message carries EVICTED_PHRASE on every path).
 */
export class WorkflowEvictedError extends RaftoralError {
  readonly workflowId: string;

  constructor(workflowId: string, message: string) {
    super("NOT_FOUND", message);
    this.name = "WorkflowEvictedError";
    this.workflowId = workflowId;
  }
}

/** wait() gave up: the execution was still running when the timeout passed. */
export class WaitTimeoutError extends RaftoralError {
  readonly workflowId: string;
  readonly timeoutMs: number;

  constructor(workflowId: string, timeoutMs: number) {
    super(
      "TIMEOUT",
      `workflow ${workflowId} did not finish within ${timeoutMs} ms; it is still running, wait again`,
    );
    this.name = "WaitTimeoutError";
    this.workflowId = workflowId;
    this.timeoutMs = timeoutMs;
  }
}

/** A ctx call as the divergence check sees it. `return` means the function ended. */
export interface CallSite {
  readonly kind: string;
  readonly name: string;
}

/**
 * Replay met a ctx call that differs from the one recorded at `seq`: the workflow code
 * changed under a running execution. Fails that execution only, never the node.
 */
export class DeterminismViolationError extends RaftoralError {
  readonly workflowId: string;
  readonly seq: number;
  readonly recorded: CallSite;
  readonly attempted: CallSite;

  constructor(options: {
    workflowId: string;
    seq: number;
    recorded: CallSite;
    attempted: CallSite;
    /** What to do, where the usual cause (changed code) is not the cause. */
    advice?: string;
  }) {
    const { workflowId, seq, recorded, attempted } = options;
    const now =
      attempted.kind === "return"
        ? "the code now ends before making that call"
        : `the code now calls ${attempted.kind} "${attempted.name}"`;
    const advice =
      options.advice ??
      (recorded.kind === "patch"
        ? // The code dropped a patched() call (replay skips deprecated markers).
          `keep ctx.patched("${recorded.name}") or ctx.deprecatePatch("${recorded.name}") at this point of the code while executions that recorded its marker run (docs/workflows.md, "Patching inside a version")`
        : "keep the old code for running executions and register changed code under a new version");
    super(
      "DETERMINISM_VIOLATION",
      `workflow ${workflowId}: replay diverged at checkpoint ${seq}: the log recorded ` +
        `${recorded.kind} "${recorded.name}" but ${now}; ${advice}`,
    );
    this.name = "DeterminismViolationError";
    this.workflowId = workflowId;
    this.seq = seq;
    this.recorded = recorded;
    this.attempted = attempted;
  }
}

/** A command was refused when applied (the apply result said why). */
export class WorkflowRefusedError extends RaftoralError {
  readonly workflowId: string;

  constructor(code: ErrorCode, workflowId: string, message: string) {
    super(code, message);
    this.name = "WorkflowRefusedError";
    this.workflowId = workflowId;
  }
}

/**
 * What workflow code catches when a child workflow could not be started, or failed: `name`,
 * `message` and `code` are those of the child's error (or of the refusal).
 */
export class ChildWorkflowError extends RaftoralError {
  readonly childWorkflowId: string;
  readonly recorded: RecordedError;

  constructor(childWorkflowId: string, recorded: RecordedError) {
    super(codeOf(recorded), `child workflow ${childWorkflowId}: ${recorded.message}`);
    this.name = recorded.name;
    this.childWorkflowId = childWorkflowId;
    this.recorded = recorded;
  }
}
