// JSON values: what workflow inputs, outputs, checkpoint values and step results may be.
// Every value that crosses into the log is normalized here first, so the live run and every
// later replay see exactly the same value (a Date becomes its ISO string in both).
// Pure: no I/O.

import { JSON_DEPTH_MAX, type JsonValue } from "../lib/index.ts";

export { type JsonValue, toJsonValue } from "../lib/index.ts";

/**
 * What a workflow's input or output type may be, as the type checker sees it: JSON values,
 * and also object types declared as `interface`, which TypeScript never matches with
 * JsonValue's object member (an interface has no index signature). Values are still checked
 * where they enter the log (toJsonValue), with an error naming the value.
 */
export type JsonLike = null | boolean | number | string | readonly unknown[] | object;

/** JSON text with object keys sorted, so equal values always give equal text. */
export function canonicalJson(value: JsonValue | undefined): string {
  if (value === undefined) return "undefined";
  return JSON.stringify(sortKeys(value));
}

/** Deep equality of two JSON values (key order does not matter). */
export function jsonEquals(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** True if `value` is a JSON value as parsed from text (no undefined, NaN or class instances). */
export function isJsonValue(value: unknown, depth = 0): value is JsonValue {
  if (depth > JSON_DEPTH_MAX) return false;
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isJsonValue(item, depth + 1));
  if (typeof value !== "object") return false;
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  return Object.values(value).every((item) => isJsonValue(item, depth + 1));
}

function sortKeys(value: JsonValue): JsonValue {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(sortKeys);
  // No prototype: a key named "__proto__" (JSON.parse makes it an own key) stays a key.
  const sorted: { [key: string]: JsonValue } = Object.create(null);
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeys(value[key] as JsonValue);
  return sorted;
}
