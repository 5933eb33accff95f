import { expect, test } from "bun:test";
import { SeenAddresses } from "./seen-addresses.ts";

test("keeps each peer address once, never its own, the listed ones first", () => {
  const seen = new SeenAddresses("self:7001");
  seen.addHeard("h:1");
  for (const address of ["a:1", "self:7001", "h:1", "a:1"]) seen.addListed(address);
  seen.addHeard("self:7001");
  seen.addHeard("h:2");
  expect(seen.list()).toEqual(["a:1", "h:1", "h:2"]);
});

test("past their bound, the oldest heard addresses go, and no listed one", () => {
  const seen = new SeenAddresses("self:7001");
  seen.addListed("a:1");
  for (let k = 0; k < 300; k++) seen.addHeard(`n${k}:1`);
  const list = seen.list();
  expect(list).toHaveLength(257);
  expect(list.slice(0, 2)).toEqual(["a:1", "n44:1"]);
  expect(list.at(-1)).toBe("n299:1");
});

test("the --peers given come after the listed addresses and before the heard ones", () => {
  const seen = new SeenAddresses("self:7001", ["p:1", "self:7001", "a:1"]);
  seen.addHeard("h:1");
  seen.addListed("a:1");
  expect(seen.list()).toEqual(["a:1", "p:1", "h:1"]);
});
