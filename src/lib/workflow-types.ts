// The names and types a workflow and its callers share: a workflow type (name, version, input
// and output types) and an event type (name and payload type). Workflow code declares them
// with defineWorkflow / defineEvent; a caller that cannot import the workflow's code declares
// the same with workflowType / eventType. The client then checks inputs, payloads and results
// against them at compile time. Types only, plus two constructors; nothing is sent but names.

/** A workflow's name and version, typed with its input `I` and output `O`. */
export interface WorkflowType<I = unknown, O = unknown> {
  readonly name: string;
  readonly version: number;
  /** The workflow's code, on a definition; absent on a declared type (workflowType()). */
  run?(input: I, ctx: never): Promise<O> | O;
}

/** What a finished workflow of output type `O` gives its caller: `null` for no value. */
// biome-ignore lint/suspicious/noConfusingVoidType: a workflow that returns nothing is typed void
export type ResultOf<O> = [O] extends [undefined | void] ? null : O;

/**
 * Declares a workflow type whose code lives elsewhere (another service, another repository),
 * so that a client can start it with typed input and output.
 *
 * @example
 * const charge = workflowType<{ cents: number }, { receipt: string }>("charge", 1);
 * const started = await client.start(charge, { cents: 1250 });
 */
export function workflowType<I, O>(name: string, version = 1): WorkflowType<I, O> {
  return Object.freeze({ name, version });
}

/** An event's name, typed with its payload `T`. */
export interface EventType<T = unknown> {
  readonly name: string;
  /** Never set: it only carries the payload type for the compiler. */
  readonly payloadType?: T;
}

/**
 * Declares an event for ctx.waitForEvent() and client.signal(): both then agree on the
 * payload type.
 *
 * @example
 * const paid = defineEvent<{ cents: number }>("paid");
 * const got = await ctx.waitForEvent(paid, { timeout: "1d" }); // got.payload: { cents: number }
 */
export function defineEvent<T>(name: string): EventType<T> {
  return Object.freeze({ name });
}
