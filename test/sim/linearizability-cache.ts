// Memoization for the WGL search: which configurations (linearized set, model state) it has
// already explored, so it never explores one twice or one that an explored one covers.
// Pure data structures; no search logic.
//
// Covering (our addition to Porcupine's exact-match cache): configuration A = (S, state)
// covers B = (S + P, state) when P holds only pending operations. Whatever sequence finishes
// from B also finishes from A: pending operations have no return entry, so leaving them out
// constrains nothing, and they never have to be linearized. Without this, every pending
// operation doubles the configurations (placed or not), even a pending get that changes
// nothing, and a failing search over a history with a few dozen pending operations explodes.

import type { Model } from "./linearizability-types.ts";

/**
 * Covering checks scan a bucket linearly, and configurations that differ only in pending
 * operations share a bucket, which can grow long. Past this many entries a bucket stops
 * growing: later configurations are still found when repeated exactly, just not used to cover
 * others. Pruning less never changes a verdict, only the work.
 */
const COVERING_BUCKET_MAX = 512;

/** The set of linearized operations as a bitset, with incrementally kept Zobrist hashes. */
export class LinearizedSet {
  readonly words: Uint32Array;
  readonly hasPending: boolean;
  /** Hash of every operation in the set. */
  hash = 0;
  /** Hash of the returned operations in the set only: the covering check's bucket. */
  returnedHash = 0;
  private readonly pendingWords: Uint32Array;

  constructor(isPending: readonly boolean[]) {
    const wordCount = Math.ceil(isPending.length / 32);
    this.words = new Uint32Array(wordCount);
    this.pendingWords = new Uint32Array(wordCount);
    isPending.forEach((pending, operation) => {
      if (pending) setBit(this.pendingWords, operation);
    });
    this.hasPending = isPending.includes(true);
  }

  /** Adds an absent or removes a present operation. */
  toggle(operation: number): void {
    const word = operation >>> 5;
    const bit = 1 << (operation & 31);
    this.words[word] = ((this.words[word] as number) ^ bit) >>> 0;
    const key = mix32(operation + 1);
    this.hash = (this.hash ^ key) >>> 0;
    if (((this.pendingWords[word] as number) & bit) === 0) {
      this.returnedHash = (this.returnedHash ^ key) >>> 0;
    }
  }

  equals(seen: Uint32Array): boolean {
    for (let i = 0; i < this.words.length; i++) {
      if (this.words[i] !== seen[i]) return false;
    }
    return true;
  }

  /** True if a configuration with set `seen` and the same state covers this one. */
  isCoveredBy(seen: Uint32Array): boolean {
    for (let i = 0; i < this.words.length; i++) {
      const current = this.words[i] as number;
      const old = seen[i] as number;
      // seen must be a subset, and what this set adds must be pending operations only.
      if ((old & ~current) !== 0) return false;
      if ((current & ~old & ~(this.pendingWords[i] as number)) !== 0) return false;
    }
    return true;
  }
}

function setBit(words: Uint32Array, index: number): void {
  const word = index >>> 5;
  words[word] = ((words[word] as number) | (1 << (index & 31))) >>> 0;
}

/** Murmur3's finalizer: spreads consecutive integers over 32 bits. */
export function mix32(value: number): number {
  let z = value >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

interface CacheEntry<State> {
  readonly words: Uint32Array;
  readonly state: State;
}

/** Explored configurations. A hash collision costs a comparison, never correctness. */
export class ConfigurationCache<State> {
  /** Every explored configuration, by the hash of its whole set and its state. */
  private readonly exact = new Map<number, CacheEntry<State>[]>();
  /** Explored configurations by the hash of their returned operations and state (capped). */
  private readonly covering = new Map<number, CacheEntry<State>[]>();

  constructor(private readonly stateKey: Pick<Model<State, never, never>, "equal" | "hash">) {}

  /** Records (set, state) and returns true, or returns false if an explored one covers it. */
  insertIfNew(set: LinearizedSet, state: State): boolean {
    const stateHash = mix32(this.stateKey.hash(state));
    const exactKey = (set.hash ^ stateHash) >>> 0;
    const exactBucket = this.exact.get(exactKey);
    if (exactBucket?.some((seen) => this.isSame(seen, state) && set.equals(seen.words))) {
      return false;
    }
    // Without pending operations covering is equality, which the exact map already checked.
    const coveringKey = (set.returnedHash ^ stateHash) >>> 0;
    const coveringBucket = set.hasPending ? this.covering.get(coveringKey) : undefined;
    if (coveringBucket?.some((seen) => this.isSame(seen, state) && set.isCoveredBy(seen.words))) {
      return false;
    }
    const entry = { words: set.words.slice(), state };
    if (exactBucket === undefined) this.exact.set(exactKey, [entry]);
    else exactBucket.push(entry);
    if (!set.hasPending) return true;
    if (coveringBucket === undefined) this.covering.set(coveringKey, [entry]);
    else if (coveringBucket.length < COVERING_BUCKET_MAX) coveringBucket.push(entry);
    return true;
  }

  private isSame(seen: CacheEntry<State>, state: State): boolean {
    return this.stateKey.equal(seen.state, state);
  }
}
