// A seeded pseudo-random source. Every random choice in Raftoral (election timeouts,
// simulator faults, workflow ctx.random) comes from one of these, so a seed replays a run.
// Algorithm: xoshiro128** seeded through splitmix32; fast, 128-bit state, good statistics.

import { assert } from "./assert.ts";

/** A deterministic random source. Same seed, same sequence, on every platform. */
export interface Random {
  /** Uniform integer in [0, 2^32). */
  nextU32(): number;
  /** Uniform float in [0, 1). */
  nextFloat(): number;
  /** Uniform integer in [min, maxExclusive). */
  int(min: number, maxExclusive: number): number;
  /** True with probability `probability`. */
  chance(probability: number): boolean;
  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** An independent child source: the same parent seed and label always give the same child. */
  fork(label: string): Random;
}

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function hashLabel(label: string): number {
  // FNV-1a, 32 bit: only needs to spread labels, not resist attackers.
  let hash = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    hash = Math.imul(hash ^ label.charCodeAt(i), 0x01000193);
  }
  return hash >>> 0;
}

class Xoshiro128 implements Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    const next = splitmix32(seed);
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    // Invariant: the state is never all zero (xoshiro would then only produce zeros).
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  nextFloat(): number {
    return this.nextU32() / 0x1_0000_0000;
  }

  int(min: number, maxExclusive: number): number {
    assert(Number.isSafeInteger(min), "random.int: min must be an integer");
    assert(Number.isSafeInteger(maxExclusive), "random.int: max must be an integer");
    assert(maxExclusive > min, `random.int: empty range [${min}, ${maxExclusive})`);
    return min + Math.floor(this.nextFloat() * (maxExclusive - min));
  }

  chance(probability: number): boolean {
    return this.nextFloat() < probability;
  }

  pick<T>(items: readonly T[]): T {
    assert(items.length > 0, "random.pick: empty array");
    return items[this.int(0, items.length)] as T;
  }

  fork(label: string): Random {
    return new Xoshiro128((this.nextU32() ^ hashLabel(label)) >>> 0);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A random source seeded with `seed` (any 32-bit integer; larger values are folded). */
export function seededRandom(seed: number): Random {
  assert(Number.isSafeInteger(seed), `seed must be an integer, got ${seed}`);
  const folded = (seed % 0x1_0000_0000) ^ Math.floor(seed / 0x1_0000_0000);
  return new Xoshiro128(folded >>> 0);
}
