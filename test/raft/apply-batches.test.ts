// A Ready hands out at most committedEntriesPerReadyMax committed entries: a follower that
// catches up on thousands of small entries applies them over several turns, in order, instead
// of in one turn that holds up every other group on its node.

import { describe, expect, test } from "bun:test";
import { appliedTexts, TestNetwork } from "./harness.ts";

describe("committed entries per Ready", () => {
  test("a follower catching up applies its backlog in Readies of the bounded size", () => {
    const network = TestNetwork.bootstrap([1, 2, 3], {
      config: { committedEntriesPerReadyMax: 50 },
    });
    network.campaign(1);
    network.isolate(3);
    const texts = Array.from({ length: 230 }, (_, k) => `put ${k}`);
    for (const text of texts) network.propose(1, text);
    const follower = network.node(3);
    follower.readies.length = 0;
    network.heal();
    network.tick(5);

    const sizes = follower.readies
      .map((ready) => ready.committedEntries.length)
      .filter((size) => size > 0);
    expect(Math.max(...sizes)).toBe(50);
    expect(sizes.length).toBeGreaterThanOrEqual(5);
    expect(appliedTexts(follower)).toEqual(appliedTexts(network.node(1)));
    expect(appliedTexts(follower).slice(-230)).toEqual(texts);
  });
});
