// Seeded garbage for robustness tests of the transports' inter-node endpoints: random JSON
// values, valid batches with one field broken, and random or mutated bytes. The same seed
// gives the same inputs, so a failure replays exactly.

import type { Random } from "../../src/lib/index.ts";

/** Keys a batch uses, so random objects sometimes get past the first checks. */
const KEYS = [
  "from",
  "to",
  "messages",
  "type",
  "groupId",
  "message",
  "term",
  "entries",
  "data",
  "requestId",
  "outcome",
  "metadata",
  "confState",
  "__proto__",
  "constructor",
];
const TYPES = ["raft", "forward", "forwardResult", "unknownGroup", "AppendEntries", "Heartbeat"];

/** A random JSON value, at most `depth` levels deep. */
export function randomJson(random: Random, depth = 4): unknown {
  const kind = random.int(0, depth > 0 ? 9 : 6);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return random.chance(0.5);
    case 2:
      return random.pick([0, -1, 1, 2 ** 53, 1.5, 1e308, -0, random.int(0, 1_000_000)]);
    case 3:
      return random.pick(TYPES);
    case 4:
      return randomText(random, random.int(0, 20));
    case 5:
      return random.pick(["", "AAAA", "!!notbase64", "é✓"]);
    case 6:
    case 7:
      return Array.from({ length: random.int(0, 4) }, () => randomJson(random, depth - 1));
    default: {
      const object: Record<string, unknown> = {};
      const count = random.int(0, 5);
      for (let k = 0; k < count; k++) {
        Object.defineProperty(object, random.pick(KEYS), {
          value: randomJson(random, depth - 1),
          enumerable: true,
          configurable: true,
          writable: true,
        });
      }
      return object;
    }
  }
}

function randomText(random: Random, length: number): string {
  let text = "";
  for (let k = 0; k < length; k++) text += String.fromCodePoint(random.int(0x20, 0x2fff));
  return text;
}

/**
 * A deep copy of `value` with one random change: a value replaced by random JSON, a key
 * deleted, or an array emptied. May leave the value valid (e.g. a number replaced by another).
 */
export function mutateJson(random: Random, value: unknown): unknown {
  const copy: unknown = JSON.parse(JSON.stringify(value));
  const containers: (Record<string, unknown> | unknown[])[] = [];
  collect(copy, containers);
  if (containers.length === 0) return randomJson(random);
  const target = random.pick(containers);
  const keys = Object.keys(target);
  if (keys.length === 0) return copy;
  const key = random.pick(keys);
  const action = random.int(0, 3);
  if (Array.isArray(target)) {
    if (action === 0) target.length = 0;
    else target[Number(key)] = randomJson(random, 2);
  } else if (action === 0) {
    delete target[key];
  } else {
    target[key] = randomJson(random, 2);
  }
  return copy;
}

function collect(value: unknown, into: (Record<string, unknown> | unknown[])[]): void {
  if (typeof value !== "object" || value === null) return;
  const container = value as Record<string, unknown> | unknown[];
  into.push(container);
  for (const child of Object.values(container)) collect(child, into);
}

/** `length` random bytes. */
export function randomBytes(random: Random, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let k = 0; k < length; k++) bytes[k] = random.int(0, 256);
  return bytes;
}

/** A copy of `bytes` with a few bytes flipped, or cut short, or with junk inserted. */
export function mutateBytes(random: Random, bytes: Uint8Array): Uint8Array {
  const action = random.int(0, 3);
  if (action === 0 && bytes.length > 0) return bytes.slice(0, random.int(0, bytes.length));
  if (action === 1) {
    const at = random.int(0, bytes.length + 1);
    const junk = randomBytes(random, random.int(1, 16));
    return new Uint8Array([...bytes.subarray(0, at), ...junk, ...bytes.subarray(at)]);
  }
  const copy = bytes.slice();
  const flips = random.int(1, 4);
  for (let k = 0; k < flips && copy.length > 0; k++) {
    copy[random.int(0, copy.length)] = random.int(0, 256);
  }
  return copy;
}

/** A JSON text cut or damaged at random (usually no longer JSON at all). */
export function mutateText(random: Random, text: string): string {
  const at = random.int(0, text.length + 1);
  switch (random.int(0, 3)) {
    case 0:
      return text.slice(0, at);
    case 1:
      return `${text.slice(0, at)}${random.pick(["{", "]", '"', ",", "\\", "\u0000", "NaN"])}${text.slice(at)}`;
    default:
      return `${text.slice(0, at)}${text.slice(at + random.int(1, 8))}`;
  }
}
