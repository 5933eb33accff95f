// How deeply parsed JSON nests. JSON.parse accepts any depth, but the recursive code after it
// (JSON.stringify, validation) overflows the stack on absurd depths, so callers check first,
// with a walk that needs no recursion itself.

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
