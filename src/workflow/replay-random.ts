// ctx.random(): value number n of an execution is a pure function of (seed, n). It is frozen
// here rather than taken from lib/random.ts, so that a change to the simulator's PRNG can
// never change what a running execution sees on replay (golden tests pin the values).
// Pure: no I/O.

/** The n-th (from 0) value in [0, 1) of the execution with `seed`, "splitmix32-counter". */
export function replayRandomAt(seed: number, n: number): number {
  let z = (seed + Math.imul(n + 1, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z = (z ^ (z >>> 16)) >>> 0;
  return z / 0x1_0000_0000;
}
