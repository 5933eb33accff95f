import { expect, test } from "bun:test";
import { join } from "node:path";
import { tidy } from "../scripts/tidy.ts";

test("the tree follows the import rules, the determinism bans and the size ratchet", () => {
  const problems = tidy(join(import.meta.dir, ".."));
  expect(problems.map((problem) => `${problem.file}:${problem.line}: ${problem.message}`)).toEqual(
    [],
  );
});
