// The contract of the determinism guards: which code is running right now (a run's workflow
// code, a step body, or anything else), and the errors the guards raise. Knowing the scope
// across awaits needs the runtime's async context (AsyncLocalStorage), which src/node
// supplies (src/node/determinism-guards.ts) together with the process-wide patches of Date,
// Math.random and the timers. Pure: this file only declares; it tracks and patches nothing.

import { RaftoralError } from "../lib/index.ts";

/** What is running: workflow code of one run, or a step body of one run. */
export type CodeScope =
  | {
      readonly type: "workflow";
      readonly workflowId: string;
      /** The run's ctx.now(): what the clock reads inside workflow code. */
      readonly now: () => number;
      /** The run's ctx.random(): what the random source gives inside workflow code. */
      readonly random: () => number;
    }
  | { readonly type: "step"; readonly workflowId: string; readonly stepName: string };

export interface DeterminismGuards {
  /**
   * Runs `fn` under `scope` (undefined: no scope, the node's own code). The scope follows
   * every continuation `fn` schedules: code after an await, .then callbacks, and so on.
   */
  run<T>(scope: CodeScope | undefined, fn: () => T): T;
  /** The scope of the code running now. */
  current(): CodeScope | undefined;
  /**
   * Puts the guards of the whole runtime in place until the returned function is called. Counted:
   * the guards stay while any run holds them, and the originals come back after the last.
   */
  hold(): () => void;
}

/** No tracking and no guards: for embedders and tests that do not want them. */
export const UNGUARDED: DeterminismGuards = {
  run: (_scope, fn) => fn(),
  current: () => undefined,
  hold: () => () => undefined,
};

/**
 * A step body called a ctx method. Steps run only on the owner and only once as far as the
 * record goes, so a ctx call there would put calls into the record that replay never makes.
 */
export class WorkflowApiMisuseError extends RaftoralError {
  readonly workflowId: string;
  readonly stepName: string;
  readonly method: string;

  constructor(options: { workflowId: string; stepName: string; method: string }) {
    const { workflowId, stepName, method } = options;
    super(
      "FAILED_PRECONDITION",
      `ctx.${method}() was called inside step "${stepName}" of workflow ${workflowId}; a step ` +
        "body must not call ctx: return what it needs from the step and make the ctx call in " +
        "the workflow code after the step",
    );
    this.name = "WorkflowApiMisuseError";
    this.workflowId = workflowId;
    this.stepName = stepName;
    this.method = method;
  }
}

/** Workflow code called something replay cannot repeat (a real timer), with what to use. */
export class NondeterministicCallError extends RaftoralError {
  readonly workflowId: string;
  readonly call: string;

  constructor(options: { workflowId: string; call: string; instead: string }) {
    const { workflowId, call, instead } = options;
    super(
      "FAILED_PRECONDITION",
      `${call}() is not allowed in workflow code (workflow ${workflowId}): replay cannot ` +
        `repeat it; ${instead}, or do it inside ctx.step()`,
    );
    this.name = "NondeterministicCallError";
    this.workflowId = workflowId;
    this.call = call;
  }
}
