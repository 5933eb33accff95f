// The API workflow code sees: `ctx` and what its methods return. Types only; the replay
// engine (replay-context.ts) implements them. Everything non-deterministic that workflow code
// needs goes through these calls, so a replay of the log gives the same answers.

import type { EventType, ResultOf, WorkflowType } from "../lib/index.ts";
import type { EventResult, WaitForEventOptions } from "./events.ts";
import type { JsonLike, JsonValue } from "./json.ts";

/** Widens a literal type, so `ctx.checkpoint("status", "new")` holds any string later. */
export type Widen<T> = T extends string
  ? string
  : T extends number
    ? number
    : T extends boolean
      ? boolean
      : T;

/** A replicated variable: every set() is committed through the group's log before it resolves. */
export interface Checkpoint<T extends JsonLike> {
  /** The value as last committed (or replayed). */
  get(): T;
  /** Commits a new value; resolves once the group recorded it. Await it before get(). */
  set(value: T): Promise<void>;
}

/** What a step body receives. */
export interface StepInfo {
  /**
   * `${workflowId}:${seq}`: the same for every attempt and every owner that runs this step.
   * Pass it to external services so a step that runs again (at-least-once) is not done twice.
   */
  readonly idempotencyKey: string;
  /** 1 for the first attempt of this run; counts retries under the step's retry policy. */
  readonly attempt: number;
}

/** How often a failing step body is tried, and how long to wait in between. */
export interface RetryPolicy {
  /** Attempts in total (1 = no retry). At most STEP_ATTEMPTS_MAX. */
  readonly attemptsMax: number;
  /** Wait before the second attempt; default 100 ms. */
  readonly initialDelayMs?: number;
  /** Each later wait is the previous one times this; default 2. */
  readonly backoffFactor?: number;
  /** No wait is longer than this; default 10 s. */
  readonly delayMaxMs?: number;
}

export interface StepOptions {
  readonly retry?: RetryPolicy;
}

/** Logs from workflow code. Suppressed while replaying, so each line appears about once. */
export interface WorkflowLog {
  info(message: string, fields?: Readonly<Record<string, string | number | boolean>>): void;
  warn(message: string, fields?: Readonly<Record<string, string | number | boolean>>): void;
  error(message: string, fields?: Readonly<Record<string, string | number | boolean>>): void;
}

export interface ChildOptions {
  /**
   * The child's workflow id. Default: the parent's id and the call's position,
   * `<parent id>:child-<seq>`, the same on every replay.
   */
  readonly workflowId?: string;
  /** Default: the definition's version (1 for a workflow named by text). */
  readonly version?: number;
}

/** A child workflow, started and recorded. */
export interface ChildWorkflow<O = JsonValue> {
  readonly workflowId: string;
  /** Decimal id of the execution cluster that runs it (it may be another one). */
  readonly executionClusterId: string;
  /**
   * Waits for the child to finish, as durably as waitForEvent: its output (null when it
   * returned nothing), or a ChildWorkflowError with the child's error if it failed.
   */
  result(): Promise<ResultOf<O>>;
}

/** The second argument of every workflow function. */
export interface WorkflowContext {
  readonly workflowId: string;
  readonly log: WorkflowLog;
  /**
   * Declares a replicated variable `key` with its initial value (recorded as a checkpoint).
   * A key may be declared once per execution.
   */
  checkpoint<T extends JsonLike>(key: string, initial: T): Promise<Checkpoint<Widen<T>>>;
  /**
   * Runs a side effect once per execution as far as the record goes: its result (or error) is
   * committed before the workflow continues, and replays return the recorded result without
   * running `fn`. If the owner fails before the commit, the new owner runs `fn` again, with
   * the same idempotency key (at-least-once effects, exactly-once recorded result).
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: a body that returns nothing is typed void
  step<T extends JsonLike | undefined | void>(
    name: string,
    fn: (info: StepInfo) => T | Promise<T>,
    options?: StepOptions,
  ): Promise<T>;
  /**
   * Wall-clock milliseconds as of the latest checkpoint this code has seen (the start time
   * before the first one): the same on every replay, never decreasing.
   */
  now(): number;
  /** A float in [0, 1) from the execution's recorded seed: the same sequence on every replay. */
  random(): number;
  /**
   * A durable timer: resolves once `duration` (milliseconds, or text such as "90s", "15m",
   * "2h", "1d") has passed since the call was recorded: when it first ran, or, beside calls
   * made before it and not yet recorded (a running step), once they are. The due time is
   * recorded in the log once; while it is not due the workflow holds no run on any node, only
   * its record, and the owner (or a new owner after a failover or restart) wakes it. Never
   * early; once. Waits awaited together end in the order they were called.
   */
  sleep(duration: number | string): Promise<void>;
  /**
   * As sleep(), until the wall clock reaches `epochMs` (at once if it already has): an
   * integer from 0 to 8.64e15, the last instant a JavaScript date holds.
   */
  sleepUntil(epochMs: number): Promise<void>;
  /**
   * Waits for the next event named `event` (a name, or an EventType from defineEvent() that
   * also types the payload) sent to this workflow (HTTP /workflow/signal, gRPC
   * SignalWorkflow, `raftoral workflow signal`). Events are delivered once each, in the order
   * the log recorded them; one sent before the wait began is kept until a wait takes it.
   * With `timeout`, resolves `{ isTimedOut: true }` once it passed without an event: a value
   * to branch on, not an error. Like sleep(), a waiting workflow holds no run.
   */
  waitForEvent<T extends JsonLike = JsonValue>(
    event: string | EventType<T>,
    options?: WaitForEventOptions,
  ): Promise<EventResult<T>>;
  /**
   * Starts another workflow (in any execution cluster) and resolves once its start is
   * recorded; replays and new owners never start it again. Await `result()` of what it
   * returns to wait for it. A start the cluster refuses for good (an unknown workflow, an id
   * taken with other input) throws a ChildWorkflowError; transient refusals are retried.
   */
  startChild<I, O>(
    workflow: WorkflowType<I, O>,
    input: I,
    options?: ChildOptions,
  ): Promise<ChildWorkflow<O>>;
  startChild(name: string, input: JsonLike, options?: ChildOptions): Promise<ChildWorkflow>;
  /**
   * Branches running executions between old and new code (after Temporal's patching):
   * `if (ctx.patched("id")) { new } else { old }`. True in a fresh execution (it records a
   * `patch` marker) and when replaying one that recorded the marker here; false when
   * replaying one recorded by code without this call, so it keeps the old path. The first
   * answer for an id holds for the rest of the execution. Executions started by builds
   * before runtime version 3 always get false.
   */
  patched(id: string): boolean;
  /**
   * Step two of retiring a patch, once no execution without the marker runs any more:
   * replace `if (ctx.patched("id")) { new } else { old }` by `ctx.deprecatePatch("id"); new`.
   * Records a marker replay may skip, so the call itself can be deleted later.
   */
  deprecatePatch(id: string): void;
}
