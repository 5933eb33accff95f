// MembershipHistory answers "the configuration as of index i" from configurations it folded
// once, when entries were appended: checked against folding from scratch, through appends,
// a truncation, compaction and a snapshot.

import { describe, expect, test } from "bun:test";
import { logIndex, nodeId, term } from "../lib/index.ts";
import { encodeConfChange } from "./conf-change-codec.ts";
import { applyConfChange, type Membership, membershipFromConfState } from "./membership.ts";
import { MembershipHistory } from "./membership-history.ts";
import { type ConfChange, EMPTY_CONF_STATE, type Entry } from "./types.ts";

const base = membershipFromConfState({ ...EMPTY_CONF_STATE, voters: [nodeId(1)] });
const add = (id: number): ConfChange => ({
  transition: "auto",
  changes: [{ type: "addVoter", nodeId: nodeId(id) }],
  context: new Uint8Array(),
});
const learner = (id: number): ConfChange => ({
  transition: "auto",
  changes: [{ type: "addLearner", nodeId: nodeId(id) }],
  context: new Uint8Array(),
});

function entry(index: number, change?: ConfChange): Entry {
  return {
    term: term(1),
    index: logIndex(index),
    type: change === undefined ? "normal" : "confChange",
    data: change === undefined ? new Uint8Array() : encodeConfChange(change),
  };
}

/** The configuration at `index`, folding every change from scratch. */
function folded(from: Membership, entries: readonly [number, ConfChange][], index: number) {
  let membership = from;
  for (const [at, change] of entries) {
    if (at > index) break;
    const result = applyConfChange(membership, change);
    if (result.ok) membership = result.membership;
  }
  return membership;
}

describe("MembershipHistory", () => {
  const changes: [number, ConfChange][] = [
    [2, add(2)],
    [4, learner(3)],
    [5, add(3)],
    [8, add(4)],
  ];
  const entries = Array.from({ length: 10 }, (_, k) => {
    const index = k + 1;
    return entry(index, changes.find(([at]) => at === index)?.[1]);
  });

  test("at(i) is the configuration with every change up to i folded in", () => {
    const history = new MembershipHistory(base, logIndex(0), entries);
    for (let index = 0; index <= 10; index++) {
      expect(history.at(index)).toEqual(folded(base, changes, index));
    }
    expect(history.latest()).toEqual(folded(base, changes, 10));
    expect(history.latestChangeIndex()).toBe(logIndex(8));
  });

  test("a truncating append drops the changes from its first index on", () => {
    const history = new MembershipHistory(base, logIndex(0), entries);
    const before = history.version;
    history.append([entry(5), entry(6, learner(5))]);
    const kept: [number, ConfChange][] = [...changes.slice(0, 2), [6, learner(5)]];
    for (let index = 0; index <= 6; index++) {
      expect(history.at(index)).toEqual(folded(base, kept, index));
    }
    expect(history.latestChangeIndex()).toBe(logIndex(6));
    expect(history.version).toBeGreaterThan(before);
  });

  test("compaction and a snapshot keep the answers for the indexes still in the log", () => {
    const history = new MembershipHistory(base, logIndex(0), entries);
    history.compact(logIndex(4));
    for (let index = 4; index <= 10; index++) {
      expect(history.at(index)).toEqual(folded(base, changes, index));
    }
    expect(() => history.at(3)).toThrow("compacted");
    const snapshot = folded(base, changes, 10);
    history.reset(snapshot, logIndex(20));
    expect(history.at(20)).toEqual(snapshot);
    expect(history.latestChangeIndex()).toBe(logIndex(0));
  });
});
