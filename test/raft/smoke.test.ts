import { expect, test } from "bun:test";
import { appliedTexts, TestNetwork } from "./harness.ts";

test("three nodes elect one leader and replicate a proposal", () => {
  const network = TestNetwork.bootstrap([1, 2, 3]);
  network.campaign(1);
  expect(network.leaders()).toEqual([1 as never]);
  const result = network.propose(1, "hello");
  expect(result.accepted).toBe(true);
  network.tick(2);
  for (const id of [1, 2, 3]) expect(appliedTexts(network.node(id))).toEqual(["hello"]);
});

test("a single node elects itself at once", () => {
  const network = TestNetwork.bootstrap([1]);
  network.campaign(1);
  expect(network.leaders()).toEqual([1 as never]);
  network.propose(1, "x");
  expect(appliedTexts(network.node(1))).toEqual(["x"]);
});

test("elections happen by timeout", () => {
  const network = TestNetwork.bootstrap([1, 2, 3, 4, 5]);
  network.tick(40);
  expect(network.leaders()).toHaveLength(1);
});
