// The highest term a peer's message may carry. Raft takes any higher term it hears, so one
// forged message could otherwise move a replica to a term no live cluster reaches (2^52, after
// which no candidate's term is an exact integer), and wedge its group for good. A bound
// relative to the replica's own term does not hold either: a sender steps a replica up one
// bound at a time, and a replica moved to the edge of its bound is then out of every other
// replica's, which refuse it for good.
//
// So the bound is one all nodes share without talking: it grows with the wall clock, from
// 2^32 (no live cluster holds four billion elections) at 128 terms a millisecond since
// 2026-01-01, and passes 2^52 in about 1,100 years. Whoever can send a group messages can
// still move its terms up to the bound, which costs the group an election each time, but
// cannot wedge it: a replica moved to the bound is within every other replica's a moment
// later, give or take the difference between the nodes' clocks.

/** Terms past this are refused outright: a candidate's term + 1 must stay an exact integer. */
export const TERM_MAX = 2 ** 52;
/** The reach before the clock adds to it: far above any term elections reach. */
export const TERM_REACH_FLOOR = 2 ** 32;
export const TERM_REACH_EPOCH_MS = Date.UTC(2026, 0, 1);
const TERMS_PER_MS = 128;

/** The highest term a message may carry at wall time `wallMs` (ms since the Unix epoch). */
export function termReach(wallMs: number): number {
  const grown = Math.floor(Math.max(0, wallMs - TERM_REACH_EPOCH_MS) * TERMS_PER_MS);
  return Math.min(TERM_MAX, TERM_REACH_FLOOR + grown);
}
