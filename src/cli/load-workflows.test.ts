import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidArgumentError } from "../lib/index.ts";
import { loadWorkflows } from "./load-workflows.ts";

const directory = mkdtempSync(join(tmpdir(), "raftoral-workflows-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function moduleFile(name: string, lines: string[]): string {
  const file = join(directory, name);
  writeFileSync(file, lines.join("\n"));
  return file;
}

async function refusalOf(path: string): Promise<InvalidArgumentError> {
  const error = await loadWorkflows(path).catch((reason: unknown) => reason);
  expect(error).toBeInstanceOf(InvalidArgumentError);
  return error as InvalidArgumentError;
}

test("the workflows a module exports, alone or in an array, through the raftoral package", async () => {
  const file = moduleFile("good.ts", [
    'import { defineWorkflow } from "raftoral";',
    'export const one = defineWorkflow("one", 1, async () => 1);',
    'export const more = [defineWorkflow("two", 2, async () => 2)];',
    "export const other = 42;",
  ]);
  const found = await loadWorkflows(file);
  // In the order of the export names (a module namespace lists them sorted).
  expect(found.map((workflow) => `${workflow.name}@${workflow.version}`)).toEqual([
    "two@2",
    "one@1",
  ]);
});

test("a definition exported twice counts once; raftoral/client resolves too", async () => {
  const file = moduleFile("twice.ts", [
    'import { defineWorkflow } from "raftoral";',
    'import { RaftoralClient } from "raftoral/client";',
    'export const greet = defineWorkflow("greet", 1, async () => typeof RaftoralClient);',
    "export const all = [greet];",
    "export default greet;",
  ]);
  expect((await loadWorkflows(file)).map((workflow) => workflow.name)).toEqual(["greet"]);
});

test("two definitions of one name and version, or of a built-in one, are refused", async () => {
  const twice = moduleFile("clash.ts", [
    'import { defineWorkflow } from "raftoral";',
    'export const a = defineWorkflow("greet", 1, async () => 1);',
    'export const b = defineWorkflow("greet", 1, async () => 2);',
  ]);
  expect((await refusalOf(twice)).message).toBe(
    `--workflows ${twice}: workflow greet v1 is exported twice, by two different definitions; give yours another name or version`,
  );
  const builtin = moduleFile("builtin.ts", [
    'import { defineWorkflow } from "raftoral";',
    'export const mine = defineWorkflow("ping_pong", 1, async () => "pong");',
  ]);
  expect((await refusalOf(builtin)).message).toBe(
    `--workflows ${builtin}: workflow ping_pong v1 is built in; give yours another name or version`,
  );
});

test("a syntax error names the line, the column and the line's text", async () => {
  const file = moduleFile("broken.ts", [
    'import { defineWorkflow } from "raftoral";',
    'export const a = defineWorkflow("a", 1, async (x) => {',
    "  return x +;",
    "});",
  ]);
  const error = await refusalOf(file);
  expect(error.message).toBe(
    `--workflows ${file}: cannot load ${file}: Unexpected ; (line 3, column 13: return x +;)`,
  );
});

test("a module that throws while loading says what it threw, without a position", async () => {
  const file = moduleFile("throws.ts", ['throw new Error("no config");']);
  expect((await refusalOf(file)).message).toBe(
    `--workflows ${file}: cannot load ${file}: no config`,
  );
});

test("a missing file is named as such", async () => {
  const file = join(directory, "missing.ts");
  expect((await refusalOf(file)).message).toBe(`--workflows ${file}: there is no file ${file}`);
});

test("a module without workflows says what to export", async () => {
  const file = moduleFile("empty.ts", ["export const nothing = 1;"]);
  expect((await refusalOf(file)).message).toBe(
    `--workflows ${file}: the module exports no workflow; export the results of defineWorkflow(...)`,
  );
});

test("a module whose top-level code never finishes is refused after the load timeout", async () => {
  const file = moduleFile("stuck.ts", [
    'import { defineWorkflow } from "raftoral";',
    'export const one = defineWorkflow("one", 1, async () => 1);',
    "await new Promise(() => {});",
  ]);
  const error = await loadWorkflows(file, 200).catch((reason: unknown) => reason);
  expect(error).toBeInstanceOf(InvalidArgumentError);
  expect((error as Error).message).toBe(
    `--workflows ${file}: its top-level code has not finished after 0.2 s (an await that never settles?); load slow resources in the workflows or their steps instead`,
  );
});
