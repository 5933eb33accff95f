// The field-validation toolkit of every gateway: a value that came from outside (the network,
// the log, a snapshot, a file) is read one field at a time, and each reader either returns the
// field with its type or throws the gateway's own error naming the path and the problem.
// Each gateway binds the toolkit to its error once: `const read = fieldReaders(myError)`.

/** Builds the gateway's error for a bad field: `path` is e.g. "batch.messages[0].term". */
export type FieldErrorFactory = (path: string, problem: string) => Error;

export interface FieldReaders {
  /** A plain object (not null, not an array). */
  object(value: unknown, path: string): Record<string, unknown>;
  /** A string of at most `lengthMax` characters. */
  text(value: unknown, path: string, lengthMax: number): string;
  /** A safe integer within [min, max] (default: non-negative). */
  integer(value: unknown, path: string, bounds?: { min?: number; max?: number }): number;
  boolean(value: unknown, path: string): boolean;
  /** An array of at most `lengthMax` items. */
  list(value: unknown, path: string, lengthMax: number): unknown[];
  /** One of `options`. */
  oneOf<T extends string>(value: unknown, path: string, options: readonly T[]): T;
  /** `read(value)` when the field is present, `fallback` when it is undefined. */
  optional<T>(value: unknown, fallback: T, read: (value: unknown) => T): T;
}

export function fieldReaders(fail: FieldErrorFactory): FieldReaders {
  return {
    object(value, path) {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw fail(path, "must be an object");
      }
      return value as Record<string, unknown>;
    },
    text(value, path, lengthMax) {
      if (typeof value !== "string" || value.length > lengthMax) {
        throw fail(path, `must be a string of at most ${lengthMax} characters`);
      }
      return value;
    },
    integer(value, path, bounds = {}) {
      const min = bounds.min ?? 0;
      const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
      if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
        throw fail(path, `must be an integer from ${min} to ${max}`);
      }
      return value;
    },
    boolean(value, path) {
      if (typeof value !== "boolean") throw fail(path, "must be a boolean");
      return value;
    },
    list(value, path, lengthMax) {
      if (!Array.isArray(value) || value.length > lengthMax) {
        throw fail(path, `must be an array of at most ${lengthMax} items`);
      }
      return value;
    },
    oneOf(value, path, options) {
      const found = options.find((option) => option === value);
      if (found === undefined) throw fail(path, `must be one of ${options.join(", ")}`);
      return found;
    },
    optional(value, fallback, read) {
      return value === undefined ? fallback : read(value);
    },
  };
}
