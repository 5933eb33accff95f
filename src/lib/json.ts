// JSON values as they come in from callers: the type, parsing of JSON text, a value as the
// log would read it back (toJsonValue), and how deeply a value may nest. JSON.parse accepts
// any depth, but the recursive code after it (JSON.stringify, validation) overflows the stack
// on absurd depths, so callers check first, with a walk that needs no recursion itself.

import { InvalidArgumentError, toError } from "./errors.ts";

/** Nesting deeper than this (arrays and objects) is refused wherever JSON enters. */
export const JSON_DEPTH_MAX = 64;

/**
 * Whether no value inside `value` sits deeper than `max` levels (the root is level 0, the
 * items of a top-level array level 1, and so on).
 */
export function isJsonDepthWithin(value: unknown, max: number = JSON_DEPTH_MAX): boolean {
  const pending: { readonly item: unknown; readonly depth: number }[] = [{ item: value, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next.depth > max) return false;
    const { item } = next;
    if (typeof item !== "object" || item === null) continue;
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      pending.push({ item: child, depth: next.depth + 1 });
    }
  }
  return true;
}

/** A value that survives JSON.stringify / JSON.parse unchanged. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** Refuses `value` when it nests deeper than the log accepts, naming `what`. */
export function checkJsonDepth<T>(value: T, what: string): T {
  if (!isJsonDepthWithin(value)) throw tooDeep(what);
  return value;
}

function tooDeep(what: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `${what} nests arrays or objects deeper than ${JSON_DEPTH_MAX} levels; flatten it`,
  );
}

/**
 * The error for JSON that could not be read or written. Nesting deep enough to exhaust the
 * stack (a RangeError) is the depth rule's case, however much deeper than the limit it goes.
 */
function notJson(what: string, error: unknown, problem: string): InvalidArgumentError {
  if (error instanceof RangeError) return tooDeep(what);
  return new InvalidArgumentError(`${what} ${problem}: ${toError(error).message}`, {
    cause: error,
  });
}

/** Parses JSON text from a caller (e.g. an API's `input_json`); INVALID_ARGUMENT if malformed. */
export function parseJsonText(text: string, what: string): JsonValue {
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch (error) {
    // Converted: malformed text is the caller's to fix; the message says where.
    throw notJson(what, error, "is not valid JSON");
  }
  return checkJsonDepth(value, what);
}

/**
 * Whether `value` written as JSON would take more than `bytesMax` bytes, judged without
 * writing it: every count is at most what JSON.stringify makes of it (a string its length
 * and quotes, a number one digit, an object its brackets and keys, one written otherwise
 * (isWritten) a byte), and the walk stops once past the bound. So a value of many
 * megabytes is told apart in a walk of at most bytesMax items, where writing and reading it
 * back would take seconds.
 */
export function isJsonLargerThan(value: unknown, bytesMax: number): boolean {
  const seen = new Set<object>();
  const pending: unknown[] = [value];
  let bytes = 0;
  for (let k = pending.length; k > 0; k = pending.length) {
    const item = pending.pop();
    if (typeof item === "string") bytes += item.length + 2;
    else if (typeof item !== "object" || item === null || isWritten(item, seen)) bytes += 1;
    else {
      seen.add(item);
      bytes += 2;
      if (Array.isArray(item)) {
        // Its commas first: a huge array is told before any of its items is looked at.
        bytes += Math.max(0, item.length - 1);
        if (bytes > bytesMax) return true;
        for (const child of item) pending.push(child);
      } else {
        for (const key of Object.keys(item)) {
          const child = (item as Record<string, unknown>)[key];
          // Left out by JSON.stringify, so not counted; so may be one with toJSON.
          if (
            child === undefined ||
            typeof child === "function" ||
            typeof child === "symbol" ||
            hasToJson(child)
          ) {
            continue;
          }
          bytes += key.length + 3;
          if (bytes > bytesMax) return true;
          pending.push(child);
        }
      }
    }
    if (bytes > bytesMax) return true;
  }
  return false;
}

/**
 * Whether JSON.stringify writes `item` as something other than its entries: one seen before
 * (shared, or a cycle, which writing refuses), one with toJSON (as dates have), a boxed primitive.
 */
function isWritten(item: object, seen: ReadonlySet<object>): boolean {
  return (
    seen.has(item) ||
    hasToJson(item) ||
    item instanceof String ||
    item instanceof Number ||
    item instanceof Boolean
  );
}

/**
 * Returns `value` as it will read back from the log (a JSON round trip). `undefined` stays
 * `undefined` (a step or workflow that returns nothing). Throws InvalidArgumentError for
 * values JSON cannot hold (BigInt, functions, cycles), naming `what`.
 */
export function toJsonValue(value: unknown, what: string): JsonValue | undefined {
  if (value === undefined) return undefined;
  let text: string | undefined;
  try {
    text = JSON.stringify(value, refuseDropped);
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw withWhat(error, what);
    // Converted: a cycle or a BigInt is the caller's data problem, not ours.
    throw notJson(what, error, "is not JSON");
  }
  if (text === undefined) {
    throw new InvalidArgumentError(`${what} is not JSON: got a ${typeof value}`);
  }
  return checkJsonDepth(JSON.parse(text) as JsonValue, what);
}

/**
 * JSON.stringify's replacer that refuses what it would drop without a word: a function or a
 * symbol inside an object goes missing, inside an array becomes null. (At the top level the
 * text is undefined, which toJsonValue refuses itself.) A bigint, which it would refuse
 * itself, is refused here with its value and its field.
 */
function refuseDropped(key: string, item: unknown): unknown {
  if (key !== "" && (typeof item === "function" || typeof item === "symbol")) {
    throw new InvalidArgumentError(`'${key}' holds a ${typeof item}, which JSON cannot hold`);
  }
  // JSON.stringify's own refusal names neither the value nor where it is.
  if (typeof item === "bigint") {
    const where = key === "" ? "it is" : `'${key}' holds`;
    throw new InvalidArgumentError(
      `${where} the bigint ${item}n, which JSON cannot hold; convert it to a string or a number`,
    );
  }
  return item;
}

function withWhat(error: InvalidArgumentError, what: string): InvalidArgumentError {
  return new InvalidArgumentError(`${what} is not JSON: ${error.message}`);
}

function hasToJson(item: unknown): boolean {
  return (
    typeof item === "object" &&
    item !== null &&
    typeof (item as { toJSON?: unknown }).toJSON === "function"
  );
}
