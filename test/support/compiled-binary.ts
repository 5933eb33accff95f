// The compiled raftoral binary for tests that run it (scripts, README commands, deploy):
// built once per test process from the current sources, with the Makefile's entrypoints, into
// a temporary directory that is removed once the test process has run every file.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { atTestProcessEnd } from "./process-cleanup.ts";

export const ROOT = join(import.meta.dir, "..", "..");
let compiled: string | undefined;

/** Path of a freshly compiled binary (compiled on the first call only). */
export function compiledBinary(): string {
  if (compiled !== undefined) return compiled;
  const dir = mkdtempSync(join(tmpdir(), "raftoral-bin-"));
  atTestProcessEnd(() => rmSync(dir, { recursive: true, force: true }));
  const outfile = join(dir, "raftoral");
  compileBinaryTo(outfile);
  compiled = outfile;
  return outfile;
}

/**
 * The flags `make build` adds: what ships (bench/membership.bench.ts times that). Not
 * --minify: it renames identifiers too, so that a class a workflow catches and a stack trace
 * in a log named ours in two letters (Bun 1.4.4's --keep-names does not undo it).
 */
export const RELEASE_FLAGS = ["--minify-whitespace", "--minify-syntax", "--bytecode"] as const;

/** The Makefile's COMPILE_ENTRYPOINTS: every file the binary is built from. */
export function compileEntrypoints(): string[] {
  const makefile = readFileSync(join(ROOT, "Makefile"), "utf8");
  const line = /^COMPILE_ENTRYPOINTS := (.+)$/m.exec(makefile);
  if (line?.[1] === undefined) throw new Error("the Makefile defines no COMPILE_ENTRYPOINTS");
  return line[1].trim().split(/\s+/);
}

/** Compiles the current sources into `outfile` with the Makefile's entrypoints. */
export function compileBinaryTo(outfile: string, flags: readonly string[] = []): void {
  const build = Bun.spawnSync(
    [
      process.execPath,
      "build",
      "--compile",
      ...flags,
      ...compileEntrypoints(),
      "--outfile",
      outfile,
    ],
    { cwd: ROOT, stderr: "pipe", stdout: "pipe" },
  );
  if (build.exitCode !== 0) throw new Error(`bun build failed: ${build.stderr.toString()}`);
}
