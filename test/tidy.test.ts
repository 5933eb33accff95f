import { expect, test } from "bun:test";
import { join } from "node:path";
import { checkSizes, type Problem, tidy } from "../scripts/tidy.ts";

test("the tree follows the import rules, the determinism bans and the size ratchet", () => {
  const problems = tidy(join(import.meta.dir, ".."));
  expect(problems.map((problem) => `${problem.file}:${problem.line}: ${problem.message}`)).toEqual(
    [],
  );
});

test("a function is measured whether its signature fits one line or wraps", () => {
  const body = Array.from({ length: 75 }, (_, k) => `    step(${k});`);
  const wrapped = [
    "class Runner {",
    "  private async submit(",
    "    groupId: number,",
    "    data: Uint8Array,",
    "  ): Promise<unknown> {",
    ...body,
    "  }",
    "}",
  ];
  const oneLine = ["function run(): void {", ...body, "}"];
  const problems: Problem[] = [];
  checkSizes("a.ts", wrapped, problems);
  checkSizes("b.ts", oneLine, problems);
  expect(problems.map((problem) => `${problem.file}:${problem.line}: ${problem.message}`)).toEqual([
    "a.ts:2: function submit has 80 lines; keep functions under 70",
    "b.ts:1: function run has 77 lines; keep functions under 70",
  ]);
  // A call whose arguments wrap is not a declaration.
  const call = ["  expect(", "    value,", "  ).toBe(1);", ...body];
  checkSizes("c.ts", call, problems);
  expect(problems).toHaveLength(2);
});
