// A workflow wait, or a run, holds its request until the workflow ends, and a client sends
// only so many requests at once: Bun's fetch 256 per process (BUN_CONFIG_MAX_HTTP_REQUESTS
// raises it), queueing the rest unseen, and the gRPC client 100 per node, refusing the rest
// (RaftoralClient's gRPC clients queue them: GrpcProtocolClient's isQueuedWhenBusy).
// So 256 HTTP waits held every request a process could send, and a signal that would have
// ended them queued behind them, waited out its deadline and failed as TIMEOUT, "may still be
// done", though never sent; over gRPC, 100 waits got the signal refused. Such long calls now
// take at most three quarters of those requests; one past that waits here for a request of
// its own, first come first served, within its own deadline. Node's fetch has no limit, and
// there nothing waits here.

import { NotSentError } from "./client-errors.ts";
import type { ClientCallOptions } from "./protocol-client.ts";

/** Hands out a fixed number of slots, first come first served. */
export class CallSlots {
  private inUse = 0;
  private readonly queue: (() => void)[] = [];

  constructor(readonly max: number) {}

  get waiting(): number {
    return this.queue.length;
  }

  /** A free slot now, as the function that frees it (call it once), or undefined. */
  tryTake(): (() => void) | undefined {
    if (this.inUse >= this.max || this.queue.length > 0) return undefined;
    this.inUse++;
    return this.releaser();
  }

  /**
   * A slot, once one is free, as the function that frees it (call it once). Rejects with
   * the signal's reason if it aborts first, leaving the queue as if it had never asked.
   */
  take(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    const free = this.tryTake();
    if (free !== undefined) return Promise.resolve(free);
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal.removeEventListener("abort", onAbort);
        resolve(this.releaser());
      };
      const onAbort = () => {
        this.queue.splice(this.queue.indexOf(grant), 1);
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.queue.push(grant);
    });
  }

  private releaser(): () => void {
    let isReleased = false;
    return () => {
      if (isReleased) return;
      isReleased = true;
      const next = this.queue.shift();
      // The slot passes straight to the next in line, or is free again.
      if (next === undefined) this.inUse--;
      else next();
    };
  }
}

/** Three quarters of `requestsMax`: what long calls may hold of a client's requests. */
export function longCallSlotsOf(requestsMax: number): CallSlots {
  return new CallSlots(Math.max(1, Math.floor((requestsMax * 3) / 4)));
}

/**
 * Runs `call` once `slots` has one free, within the options' deadline all told (what waiting
 * took is taken off the call's). If none came free in time, fails as a NotSentError (TIMEOUT),
 * `notSent` saying why; the caller's own abort signal rejects with its reason.
 */
export async function inLongCallSlot<T>(
  slots: CallSlots,
  options: ClientCallOptions,
  notSent: () => string,
  call: (options: ClientCallOptions) => Promise<T>,
): Promise<T> {
  // The usual case: a slot is free, and nothing more is made for the call.
  const free = slots.tryTake();
  if (free !== undefined) {
    try {
      return await call(options);
    } finally {
      free();
    }
  }
  // The monotonic clock: a step of the wall clock while queued must not stretch the call.
  const began = performance.now();
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal =
    options.signal === undefined ? deadline : AbortSignal.any([deadline, options.signal]);
  let release: () => void;
  try {
    release = await slots.take(signal);
  } catch (error) {
    if (!deadline.aborted) throw error;
    throw new NotSentError(notSent());
  }
  try {
    return await call({
      ...options,
      timeoutMs: Math.max(1, Math.ceil(options.timeoutMs - (performance.now() - began))),
    });
  } finally {
    release();
  }
}

/**
 * The seconds a queued wait asks the node to wait: `seconds` less the time it spent queued
 * for its slot (`asked` is the call's options, `left` what inLongCallSlot passed on), rounded
 * up. The node's answer then still comes within the call's deadline, by the margin the
 * caller left between the two; a wait asking for its full time after queueing past that
 * margin had its deadline end it first, as a node that did not answer.
 */
export function secondsLeft(
  seconds: number,
  asked: ClientCallOptions,
  left: ClientCallOptions,
): number {
  const queuedMs = asked.timeoutMs - left.timeoutMs;
  return Math.max(1, seconds - Math.ceil(queuedMs / 1000));
}

/** Requests this process's fetch sends at once: Bun's setting, or no limit (Node). */
export const FETCH_REQUESTS_MAX = fetchRequestsMax();

/** The slots of this process's long HTTP calls, shared by all its HTTP clients. */
export const FETCH_LONG_CALL_SLOTS = longCallSlotsOf(FETCH_REQUESTS_MAX);

/** Requests fetch sends at once under Bun, given `text`, BUN_CONFIG_MAX_HTTP_REQUESTS. */
export function fetchRequestsMax(
  text: string | undefined = process.env.BUN_CONFIG_MAX_HTTP_REQUESTS,
): number {
  if (typeof Bun === "undefined") return Number.POSITIVE_INFINITY;
  // What Bun itself takes: an integer from 1 to 65535; otherwise it keeps 256 (and says so).
  if (text === undefined) return 256;
  const configured = Number(text);
  return /^\d+$/.test(text) && configured >= 1 && configured <= 65_535 ? configured : 256;
}
