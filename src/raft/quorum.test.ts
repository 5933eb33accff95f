// Property checks: the quorum functions against obviously correct slow versions, over many
// seeded random configurations, acknowledgements and votes.

import { describe, expect, test } from "bun:test";
import {
  type LogIndex,
  logIndex,
  type NodeId,
  nodeId,
  type Random,
  seededRandom,
} from "../lib/index.ts";
import {
  type JointVoters,
  jointCommittedIndex,
  jointVoteResult,
  majorityCommittedIndex,
  majorityVoteResult,
  majorityWithout,
  toleratedFailures,
  type VoteResult,
} from "./quorum.ts";

const RUNS = 5000;
const IDS_MAX = 9;

// ---- slow versions ---------------------------------------------------------------------

/** Whether more than half of `voters` acknowledged at least `index` (an empty set always agrees). */
function majorityHas(
  voters: ReadonlySet<NodeId>,
  acked: ReadonlyMap<NodeId, LogIndex>,
  index: number,
): boolean {
  if (voters.size === 0) return true;
  let count = 0;
  for (const id of voters) if ((acked.get(id) ?? 0) >= index) count++;
  return 2 * count > voters.size;
}

/** The largest index that every half's majority acknowledged, trying every candidate value. */
function slowCommittedIndex(
  halves: readonly ReadonlySet<NodeId>[],
  acked: ReadonlyMap<NodeId, LogIndex>,
): number {
  if (halves.every((half) => half.size === 0)) return Number.POSITIVE_INFINITY;
  const candidates = [0, ...acked.values()];
  let best = 0;
  for (const index of candidates) {
    if (halves.every((half) => majorityHas(half, acked, index))) best = Math.max(best, index);
  }
  return best;
}

/** Whether every half has more than half of its voters granting. */
function wins(halves: readonly ReadonlySet<NodeId>[], granted: (id: NodeId) => boolean): boolean {
  return halves.every((half) => {
    let count = 0;
    for (const id of half) if (granted(id)) count++;
    return half.size === 0 || 2 * count > half.size;
  });
}

/** Won if the votes so far win; lost if not even all missing votes could win; else pending. */
function slowVoteResult(
  halves: readonly ReadonlySet<NodeId>[],
  votes: ReadonlyMap<NodeId, boolean>,
): VoteResult {
  if (wins(halves, (id) => votes.get(id) === true)) return "won";
  if (!wins(halves, (id) => votes.get(id) !== false)) return "lost";
  return "pending";
}

// ---- random inputs ---------------------------------------------------------------------

function randomVoters(random: Random): Set<NodeId> {
  const voters = new Set<NodeId>();
  const size = random.int(0, 8);
  for (let k = 0; k < size; k++) voters.add(nodeId(random.int(1, IDS_MAX + 1)));
  return voters;
}

function randomAcks(random: Random): Map<NodeId, LogIndex> {
  const acked = new Map<NodeId, LogIndex>();
  for (let id = 1; id <= IDS_MAX; id++) {
    if (random.chance(0.8)) acked.set(nodeId(id), logIndex(random.int(0, 12)));
  }
  return acked;
}

function randomVotes(random: Random): Map<NodeId, boolean> {
  const votes = new Map<NodeId, boolean>();
  for (let id = 1; id <= IDS_MAX; id++) {
    if (random.chance(0.6)) votes.set(nodeId(id), random.chance(0.5));
  }
  return votes;
}

function randomJoint(random: Random): JointVoters {
  return {
    incoming: randomVoters(random),
    outgoing: random.chance(0.5) ? randomVoters(random) : new Set(),
  };
}

function lookup(acked: ReadonlyMap<NodeId, LogIndex>) {
  return (id: NodeId) => acked.get(id);
}

describe("quorum properties", () => {
  test("majorityCommittedIndex equals the slow version", () => {
    const random = seededRandom(1).fork("majority-commit");
    for (let run = 0; run < RUNS; run++) {
      const voters = randomVoters(random);
      const acked = randomAcks(random);
      expect(majorityCommittedIndex(voters, lookup(acked))).toBe(
        slowCommittedIndex([voters], acked),
      );
    }
  });

  test("jointCommittedIndex equals the slow version", () => {
    const random = seededRandom(2).fork("joint-commit");
    for (let run = 0; run < RUNS; run++) {
      const voters = randomJoint(random);
      const acked = randomAcks(random);
      expect(jointCommittedIndex(voters, lookup(acked))).toBe(
        slowCommittedIndex([voters.incoming, voters.outgoing], acked),
      );
    }
  });

  test("majorityVoteResult equals the slow version", () => {
    const random = seededRandom(3).fork("majority-vote");
    for (let run = 0; run < RUNS; run++) {
      const voters = randomVoters(random);
      const votes = randomVotes(random);
      expect(majorityVoteResult(voters, votes)).toBe(slowVoteResult([voters], votes));
    }
  });

  test("jointVoteResult equals the slow version", () => {
    const random = seededRandom(4).fork("joint-vote");
    for (let run = 0; run < RUNS; run++) {
      const voters = randomJoint(random);
      const votes = randomVotes(random);
      expect(jointVoteResult(voters, votes)).toBe(
        slowVoteResult([voters.incoming, voters.outgoing], votes),
      );
    }
  });

  test("examples: odd and even majorities, joint halves, empty configurations", () => {
    const set = (...values: number[]) => new Set(values.map(nodeId));
    const acks = (...pairs: [number, number][]) =>
      lookup(new Map(pairs.map(([id, index]) => [nodeId(id), logIndex(index)])));
    expect(majorityCommittedIndex(set(1, 2, 3), acks([1, 5], [2, 3], [3, 1]))).toBe(3);
    expect(majorityCommittedIndex(set(1, 2, 3, 4), acks([1, 5], [2, 3], [3, 1], [4, 9]))).toBe(3);
    expect(majorityCommittedIndex(set(), acks())).toBe(Number.POSITIVE_INFINITY);
    const joint = { incoming: set(1, 2, 3), outgoing: set(1, 4, 5) };
    expect(jointCommittedIndex(joint, acks([1, 9], [2, 9], [3, 9], [4, 2]))).toBe(2);
    const votes = new Map([
      [nodeId(1), true],
      [nodeId(2), true],
    ]);
    expect(majorityVoteResult(set(1, 2, 3), votes)).toBe("won");
    expect(jointVoteResult(joint, votes)).toBe("pending");
    expect(
      jointVoteResult(joint, new Map([...votes, [nodeId(4), false], [nodeId(5), false]])),
    ).toBe("lost");
  });
});

describe("toleratedFailures", () => {
  const set = (...ids: number[]) => new Set(ids.map((id) => id as NodeId));
  const healthyExcept =
    (...down: number[]) =>
    (id: NodeId) =>
      !down.includes(id);
  test.each([
    { voters: [1], down: [], outgoing: [], expected: 0 },
    { voters: [1, 2, 3], down: [], outgoing: [], expected: 1 },
    { voters: [1, 2, 3], down: [3], outgoing: [], expected: 0 },
    { voters: [1, 2, 3], down: [2, 3], outgoing: [], expected: 0 },
    { voters: [1, 2, 3, 4], down: [], outgoing: [], expected: 1 },
    { voters: [1, 2, 3, 4, 5], down: [], outgoing: [], expected: 2 },
    { voters: [1, 2, 3, 4, 5], down: [5], outgoing: [], expected: 1 },
    // Joint: the weaker half decides.
    { voters: [1, 2, 3], down: [], outgoing: [1], expected: 0 },
    { voters: [1, 2, 3, 4, 5], down: [], outgoing: [1, 2, 3], expected: 1 },
  ])(
    "$voters (outgoing $outgoing), down $down: $expected",
    ({ voters, down, outgoing, expected }) => {
      const joint = { incoming: set(...voters), outgoing: set(...outgoing) };
      expect(toleratedFailures(joint, healthyExcept(...down))).toBe(expected);
    },
  );
});

describe("majorityWithout", () => {
  const set = (...ids: number[]) => new Set(ids.map((id) => id as NodeId));
  test.each([
    { voters: [1], outgoing: [], expected: false },
    { voters: [1, 2], outgoing: [], expected: false },
    { voters: [1, 2, 3], outgoing: [], expected: true },
    { voters: [2, 3], outgoing: [], expected: true },
    { voters: [1, 2, 3, 4], outgoing: [], expected: true },
    // Joint: either half may need the vote.
    { voters: [2], outgoing: [1], expected: false },
    { voters: [1, 2, 3], outgoing: [1, 2], expected: false },
    { voters: [2, 3, 4], outgoing: [1, 2, 3], expected: true },
  ])("node 1 out of $voters (outgoing $outgoing): $expected", ({ voters, outgoing, expected }) => {
    const joint = { incoming: set(...voters), outgoing: set(...outgoing) };
    expect(majorityWithout(joint, set(1))).toBe(expected);
  });
  test.each([
    { voters: [1, 2, 3], absent: [1, 2], expected: false },
    { voters: [1, 2, 3, 4, 5], absent: [1, 2], expected: true },
    { voters: [1, 2, 3, 4], absent: [1, 2], expected: false },
  ])("$absent out of $voters: $expected", ({ voters, absent, expected }) => {
    const joint = { incoming: set(...voters), outgoing: set() };
    expect(majorityWithout(joint, set(...absent))).toBe(expected);
  });
});
