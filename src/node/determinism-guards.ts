// The process's determinism guards (the DeterminismGuards of src/workflow). Scopes travel
// with AsyncLocalStorage, so code after an await in workflow code still runs in its scope,
// and code the node runs at the same time never does. While a workflow run holds the guards,
// Date, Date.now, Math.random, setTimeout, setInterval and setImmediate are replaced by
// versions that ask the scope first: in workflow code they give ctx.now() and ctx.random(),
// or refuse (timers); anywhere else (step bodies, the node, tests) they are the originals.
// The originals come back when the last run lets go, even if workflow code threw.

import { AsyncLocalStorage } from "node:async_hooks";
import {
  type CodeScope,
  type DeterminismGuards,
  NondeterministicCallError,
} from "../workflow/index.ts";

const storage = new AsyncLocalStorage<CodeScope | undefined>();

/** The scope of workflow code running now, if any: what the patched globals ask. */
function workflowScope(): Extract<CodeScope, { type: "workflow" }> | undefined {
  const scope = storage.getStore();
  return scope?.type === "workflow" ? scope : undefined;
}

/** Restores what install() replaced. */
type Restore = () => void;

const TIMER_ADVICE = "use ctx.sleep() or ctx.sleepUntil() for a durable timer";

/** A timer function that throws in workflow code and is the original anywhere else. */
function refusing<F extends (...args: never[]) => unknown>(call: string, original: F): F {
  const guarded = function (this: unknown, ...args: unknown[]): unknown {
    const scope = workflowScope();
    if (scope !== undefined) {
      throw new NondeterministicCallError({
        workflowId: scope.workflowId,
        call,
        instead: TIMER_ADVICE,
      });
    }
    return Reflect.apply(original, this, args);
  };
  // Keep what hangs off the original (util.promisify.custom and the like).
  for (const key of Reflect.ownKeys(original)) {
    if (Object.hasOwn(guarded, key)) continue;
    const descriptor = Object.getOwnPropertyDescriptor(original, key);
    if (descriptor !== undefined) Object.defineProperty(guarded, key, descriptor);
  }
  return guarded as unknown as F;
}

/** A Date whose no-argument forms read ctx.now() in workflow code; a real Date otherwise. */
function guardedDate(RealDate: DateConstructor): DateConstructor {
  return new Proxy(RealDate, {
    construct(target, args, newTarget) {
      const scope = workflowScope();
      const chosen = scope !== undefined && args.length === 0 ? [scope.now()] : args;
      return Reflect.construct(target, chosen, newTarget) as object;
    },
    apply(target, thisArg, args) {
      // Date() called as a function gives the current time as text.
      const scope = workflowScope();
      if (scope !== undefined) return new target(scope.now()).toString();
      return Reflect.apply(target, thisArg, args);
    },
  });
}

function install(): Restore {
  const saved = {
    Date: globalThis.Date,
    now: globalThis.Date.now,
    random: Math.random,
    setTimeout: globalThis.setTimeout,
    setInterval: globalThis.setInterval,
    setImmediate: globalThis.setImmediate,
  };
  const RealDate = saved.Date;
  RealDate.now = function now(): number {
    return workflowScope()?.now() ?? saved.now.call(RealDate);
  };
  Math.random = function random(): number {
    return workflowScope()?.random() ?? saved.random.call(Math);
  };
  globalThis.Date = guardedDate(RealDate);
  globalThis.setTimeout = refusing("setTimeout", saved.setTimeout);
  globalThis.setInterval = refusing("setInterval", saved.setInterval);
  globalThis.setImmediate = refusing("setImmediate", saved.setImmediate);
  return () => {
    RealDate.now = saved.now;
    Math.random = saved.random;
    globalThis.Date = saved.Date;
    globalThis.setTimeout = saved.setTimeout;
    globalThis.setInterval = saved.setInterval;
    globalThis.setImmediate = saved.setImmediate;
  };
}

let holders = 0;
let restore: Restore | undefined;

/** The one set of guards of this process (the globals are the process's, too). */
export const processGuards: DeterminismGuards = {
  run: (scope, fn) => storage.run(scope, fn),
  current: () => storage.getStore(),
  hold: () => {
    if (holders === 0) restore = install();
    holders++;
    let isHeld = true;
    return () => {
      if (!isHeld) return;
      isHeld = false;
      holders--;
      if (holders === 0) {
        restore?.();
        restore = undefined;
      }
    };
  },
};

/** How many runs hold the guards now (tests check that they are let go). */
export function guardHolders(): number {
  return holders;
}
