// The `grpc-timeout` header: at most 8 ASCII digits and a unit (H, M, S, m, u, n), as the
// gRPC HTTP/2 spec defines it. Pure: no I/O.

const UNIT_MS: Readonly<Record<string, number>> = {
  H: 3_600_000,
  M: 60_000,
  S: 1_000,
  m: 1,
  u: 1e-3,
  n: 1e-6,
};
const DIGITS_MAX_VALUE = 99_999_999;

/** Milliseconds in a grpc-timeout value, or undefined when the value is malformed. */
export function parseGrpcTimeout(value: string): number | undefined {
  const match = /^(\d{1,8})([HMSmun])$/.exec(value);
  if (match === null) return undefined;
  const unitMs = UNIT_MS[match[2] ?? ""];
  if (unitMs === undefined) return undefined;
  return Number(match[1]) * unitMs;
}

// Finest unit first, so short timeouts keep their precision and long ones still fit. The
// microsecond count multiplies (ms / 1e-3 would add float noise and round 1.5 ms to 1501u).
const FORMAT_UNITS: readonly (readonly [string, (ms: number) => number])[] = [
  ["u", (ms) => ms * 1_000],
  ["m", (ms) => ms],
  ["S", (ms) => ms / 1_000],
  ["M", (ms) => ms / 60_000],
  ["H", (ms) => ms / 3_600_000],
];

/**
 * Formats a timeout for the grpc-timeout header, rounding up so the server never sees a
 * deadline earlier than the caller's. Negative values are sent as 0 (already expired).
 */
export function formatGrpcTimeout(timeoutMs: number): string {
  const ms = Math.max(0, timeoutMs);
  for (const [unit, count] of FORMAT_UNITS) {
    const value = Math.ceil(count(ms));
    if (value <= DIGITS_MAX_VALUE) return `${value}${unit}`;
  }
  return `${DIGITS_MAX_VALUE}H`;
}
