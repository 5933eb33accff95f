import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RaftoralError } from "../lib/index.ts";
import { jsonArgumentValue, parseJsonArgument } from "./json-argument.ts";

const directory = mkdtempSync(join(tmpdir(), "raftoral-json-argument-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(directory, name);
  writeFileSync(path, text);
  return path;
}

const noStdin = () => Promise.reject(new Error("standard input was not expected here"));

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(RaftoralError);
  expect((error as RaftoralError).code).toBe("INVALID_ARGUMENT");
  return (error as Error).message;
}

describe("a JSON value on the command line", () => {
  test("inline text is parsed at once; @ names a file or standard input", () => {
    expect(parseJsonArgument('{"a":[1]}', "--input")).toEqual({ value: { a: [1] } });
    expect(parseJsonArgument("@in.json", "--input")).toEqual({ path: "in.json" });
    expect(parseJsonArgument("@-", "--payload")).toEqual({ path: "-" });
    expect(() => parseJsonArgument("ping", "--input")).toThrow(
      `--input 'ping' is not JSON; a string needs its quotes, e.g. --input '"ping"', or --input @FILE`,
    );
    // An object gone wrong inside is told what JSON asks of keys, not about a string's quotes.
    expect(() => parseJsonArgument("{name: ada}", "--input")).toThrow(
      /^--input '\{name: ada\}' is not JSON \(.+\); its keys and strings need double quotes, e\.g\. --input '\{"name": "ada"\}', or --input @FILE/,
    );
  });

  test("a file's JSON is read whole, past what a shell passes in one argument", async () => {
    const big = { text: "x".repeat(300_000) };
    const path = file("big.json", `${JSON.stringify(big)}\n`);
    expect(await jsonArgumentValue({ path }, "--input", noStdin)).toEqual(big);
    expect(await jsonArgumentValue({ value: 7 }, "--input", noStdin)).toBe(7);
  });

  test("@- reads standard input", async () => {
    const read = () => Promise.resolve('  "ping"\n');
    expect(await jsonArgumentValue({ path: "-" }, "--payload", read)).toBe("ping");
  });

  test("a file that cannot be used is refused, naming it and the problem", async () => {
    const missing = join(directory, "missing.json");
    expect(await refusal(jsonArgumentValue({ path: missing }, "--input", noStdin))).toBe(
      `cannot read --input from the file ${missing}: no such file`,
    );
    expect(await refusal(jsonArgumentValue({ path: directory }, "--input", noStdin))).toBe(
      `cannot read --input from the file ${directory}: it is a directory`,
    );
    const empty = file("empty.json", " \n");
    expect(await refusal(jsonArgumentValue({ path: empty }, "--input", noStdin))).toBe(
      `--input read the file ${empty}, which is empty; it needs JSON text`,
    );
    const bad = file("bad.json", "{ping}");
    expect(await refusal(jsonArgumentValue({ path: bad }, "--input", noStdin))).toStartWith(
      `--input (the file ${bad}) is not valid JSON: `,
    );
    const deep = file("deep.json", `${"[".repeat(100)}${"]".repeat(100)}`);
    expect(await refusal(jsonArgumentValue({ path: deep }, "--input", noStdin))).toContain(
      "nests arrays or objects deeper than 64 levels",
    );
    const silent = () => Promise.resolve("");
    expect(await refusal(jsonArgumentValue({ path: "-" }, "--payload", silent))).toBe(
      "--payload read standard input, which is empty; it needs JSON text",
    );
  });
});
