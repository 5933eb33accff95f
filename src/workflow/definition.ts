// defineWorkflow: the one way to declare a workflow. A definition is an immutable
// (name, version, function) triple; registering it is the registry's business.
// Pure: no I/O.

import { InvalidArgumentError } from "../lib/index.ts";
import type { WorkflowContext } from "./context.ts";
import type { JsonLike } from "./json.ts";

/** What a workflow function may return: a JSON value, or nothing (recorded as null). */
// biome-ignore lint/suspicious/noConfusingVoidType: a body that returns nothing is typed void
export type WorkflowOutput = JsonLike | undefined | void;

/**
 * A workflow's code under its name and version. Input and output are JSON values; their
 * types may be interfaces (see JsonLike). Without type arguments: any definition (a list of
 * definitions with different inputs).
 */
export interface WorkflowDefinition<
  I extends JsonLike = never,
  O extends WorkflowOutput = WorkflowOutput,
> {
  readonly name: string;
  readonly version: number;
  // A method, not a function property: definitions with specific input types must fit a
  // list of WorkflowDefinition (method parameters are checked bivariantly).
  run(input: I, ctx: WorkflowContext): Promise<O> | O;
}

/** Longest workflow name, step name or checkpoint key. */
export const NAME_CHARS_MAX = 128;
/** Highest version number. */
export const VERSION_MAX = 2 ** 31 - 1;

const NAME_PATTERN = /^[A-Za-z0-9_.:-]+$/;

/**
 * Declares workflow `name` at `version` (a positive integer). Register the result with a
 * WorkflowRegistry; a changed function that would replay running executions differently
 * must get a new version, registered beside the old one.
 *
 * @example
 * const greet = defineWorkflow("greet", 1, async (input: string, ctx) => {
 *   const reply = await ctx.step("compose", () => `hello ${input}`);
 *   return reply;
 * });
 */
export function defineWorkflow<I extends JsonLike, O extends WorkflowOutput>(
  name: string,
  version: number,
  fn: (input: I, ctx: WorkflowContext) => Promise<O> | O,
): WorkflowDefinition<I, O> {
  validateWorkflowName(name);
  validateWorkflowVersion(version);
  if (typeof fn !== "function") {
    throw new InvalidArgumentError(`workflow ${name} v${version}: the definition needs a function`);
  }
  return Object.freeze({ name, version, run: fn });
}

/**
 * How a refused name shows in its error: a long one by its length, not repeated whole (a
 * name of thousands of characters filled the message, and the log, with it).
 */
export function shownName(name: unknown): string {
  return typeof name === "string" && name !== ""
    ? `one of ${name.length} characters`
    : JSON.stringify(name);
}

/** Throws InvalidArgumentError unless `name` (of a step, a checkpoint, ...) is 1-128 chars. */
export function validateCallName(name: unknown, what: string): void {
  if (typeof name !== "string" || name.length === 0 || name.length > NAME_CHARS_MAX) {
    throw new InvalidArgumentError(
      `${what} must be a string of 1 to ${NAME_CHARS_MAX} characters, got ${shownName(name)}`,
    );
  }
}

/** Throws InvalidArgumentError unless `name` is 1-128 chars of letters, digits, _ . : - */
export function validateWorkflowName(name: unknown): asserts name is string {
  if (typeof name !== "string" || name.length === 0 || name.length > NAME_CHARS_MAX) {
    throw new InvalidArgumentError(
      `workflow name must be a string of 1 to ${NAME_CHARS_MAX} characters, got ${shownName(name)}`,
    );
  }
  if (!NAME_PATTERN.test(name)) {
    throw new InvalidArgumentError(
      `workflow name ${JSON.stringify(name)} may only hold letters, digits and _ . : -`,
    );
  }
}

/** Throws InvalidArgumentError unless `version` is an integer in [1, VERSION_MAX]. */
export function validateWorkflowVersion(version: unknown): asserts version is number {
  if (
    typeof version !== "number" ||
    !Number.isSafeInteger(version) ||
    version < 1 ||
    version > VERSION_MAX
  ) {
    throw new InvalidArgumentError(
      `workflow version must be an integer from 1 to ${VERSION_MAX}, got ${String(version)}`,
    );
  }
}
