// Always-on assertions. A failed assertion is a bug, never an operating error: the event
// loop's top-level handler lets it end the process instead of catching it.

/** Thrown when an invariant does not hold. Never caught to continue. */
export class AssertionError extends Error {
  override readonly name = "AssertionError";
}

/** Checks an invariant; stays on in production. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/**
 * Throws for a broken invariant. For hot paths, where `assert`'s message would be built on
 * every call: `if (!condition) assertionFailed(\`...\`)` builds it only when it fails.
 */
export function assertionFailed(message: string): never {
  throw new AssertionError(message);
}

/** Marks a branch the type system proves impossible (exhaustive switches end with it). */
export function unreachable(value: never): never {
  throw new AssertionError(`unreachable: ${JSON.stringify(value)}`);
}
