// A long wait shows progress on a terminal and nothing otherwise; the answer is unchanged.

import { expect, test } from "bun:test";
import { withProgress } from "./progress.ts";

function recorder(isTerminal: boolean) {
  const lines: string[] = [];
  return {
    lines,
    output: { stdout: () => undefined, stderr: (text: string) => lines.push(text), isTerminal },
  };
}

test("on a terminal: a line at the start and one per interval until the answer", async () => {
  const { lines, output } = recorder(true);
  let finish: (value: string) => void = () => undefined;
  const work = new Promise<string>((resolve) => {
    finish = resolve;
  });
  const shown = withProgress(output, "Waiting for workflow w1", work, 10);
  const deadline = performance.now() + 5_000;
  while (lines.length < 3 && performance.now() < deadline) await Bun.sleep(5);
  finish("done");
  expect(await shown).toBe("done");
  const count = lines.length;
  expect(lines[0]).toBe("Waiting for workflow w1...\n");
  expect(lines[1]).toMatch(/^Waiting for workflow w1: still waiting after \d+ s\n$/);
  await Bun.sleep(30);
  expect(lines).toHaveLength(count);
});

test("not on a terminal: nothing extra, failures pass through", async () => {
  const { lines, output } = recorder(false);
  await expect(
    withProgress(output, "Leaving", Promise.reject(new Error("refused")), 10),
  ).rejects.toThrow("refused");
  expect(lines).toEqual([]);
});
