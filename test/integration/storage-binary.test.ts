// The node's SQLite storage must work from inside a compiled binary, where its code is
// imported only once a node opens storage. A probe program is compiled with the Makefile's
// flags from a copy of the sources, the copy is deleted, and the binary runs alone in an empty
// directory: code that was not embedded would not be found.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { copyFileSync, cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const PROBE = "test/integration/fixtures/storage-probe.ts";
let scratch = "";

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "raftoral-storage-binary-"));
  const buildRoot = mkdtempSync(join(tmpdir(), "raftoral-storage-build-"));
  try {
    cpSync(join(ROOT, "src"), join(buildRoot, "src"), { recursive: true });
    cpSync(join(ROOT, PROBE), join(buildRoot, PROBE));
    const build = Bun.spawnSync(
      [
        process.execPath,
        "build",
        "--compile",
        "--minify",
        "--bytecode",
        PROBE,
        "--outfile",
        join(buildRoot, "storage-probe"),
      ],
      { cwd: buildRoot },
    );
    expect(build.stderr.toString()).not.toContain("error");
    expect(build.exitCode).toBe(0);
    copyFileSync(join(buildRoot, "storage-probe"), join(scratch, "storage-probe"));
    Bun.spawnSync(["chmod", "+x", join(scratch, "storage-probe")]);
  } finally {
    rmSync(buildRoot, { recursive: true, force: true });
  }
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

test("a compiled binary stores and reads back a node's log with the code inside itself", () => {
  const run = Bun.spawnSync([join(scratch, "storage-probe"), "./data"], { cwd: scratch });
  expect(run.stderr.toString()).toBe("");
  expect(run.exitCode).toBe(0);
  expect(JSON.parse(run.stdout.toString())).toMatchObject({
    nodeId: 1,
    lastIndex: 2,
    entries: ["entry 1", "entry 2"],
  });
  expect(existsSync(join(scratch, "data", "node_1", "raftoral.db"))).toBe(true);
});
