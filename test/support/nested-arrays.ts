// JSON nested to a chosen depth, for the limits on how deep values may nest.

import type { JsonValue } from "../../src/lib/index.ts";

/** `levels` arrays, one in the other: the innermost sits at level `levels - 1`. */
export function nestedArrays(levels: number): JsonValue {
  let value: JsonValue = [];
  for (let level = 1; level < levels; level++) value = [value];
  return value;
}
