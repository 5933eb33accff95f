// The compiled binary must run alone: protos and assets embedded, nothing read from beside it.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileBinaryTo, compileEntrypoints, ROOT } from "../support/compiled-binary.ts";

const OPTIONS = [
  "--listen",
  "--advertise",
  "--node-id",
  "--peers",
  "--bootstrap",
  "--storage-path",
  "--transport",
  "--help",
  "--version",
];

let scratch = "";

function runBinary(args: string[], env: Record<string, string> = {}) {
  const result = Bun.spawnSync([join(scratch, "raftoral"), ...args], {
    cwd: scratch,
    env: { ...process.env, ...env },
  });
  return {
    code: result.exitCode,
    stdout: result.stdout.toString(),
    stderr: result.stderr.toString(),
  };
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "raftoral-binary-"));
  const buildDir = mkdtempSync(join(tmpdir(), "raftoral-build-"));
  try {
    compileBinaryTo(join(buildDir, "raftoral"));
    copyFileSync(join(buildDir, "raftoral"), join(scratch, "raftoral"));
    Bun.spawnSync(["chmod", "+x", join(scratch, "raftoral")]);
  } finally {
    rmSync(buildDir, { recursive: true, force: true });
  }
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe("compiled binary in an empty directory", () => {
  test("--help lists every option of the CLI reference", () => {
    const result = runBinary(["--help"]);
    expect(result.code).toBe(0);
    for (const option of OPTIONS) expect(result.stdout).toContain(option);
    expect(result.stdout).toContain("Usage: raftoral [OPTIONS] --listen <ADDRESS>");
  });

  test("--version prints the package version", () => {
    const result = runBinary(["--version"]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^raftoral \d+\.\d+\.\d+$/);
  });

  test("a usage error exits non-zero with the message on stderr", () => {
    const result = runBinary(["--transport", "udp", "--listen", "127.0.0.1:7001"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Invalid transport protocol: udp. Must be 'grpc' or 'http'");
  });

  test("with JSON logs, a usage error is a JSON log line", () => {
    const result = runBinary(["--listen", "127.0.0.1:7001", "--bogus"], {
      RAFTORAL_LOG_FORMAT: "json",
    });
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split("\n");
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ level: "error", message: expect.stringContaining("--bogus") }),
    ]);
  });
});

describe("the binary's entry", () => {
  // A node relaunches itself before it reads anything else (src/cli/main.ts): the code it
  // would read first and throw away is start-up time spent twice.
  test("bundles what decides the relaunch and none of the command line", async () => {
    const [entry = "", ...others] = compileEntrypoints();
    expect(entry).toBe("src/cli/main.ts");
    expect(others).toEqual(["src/cli/command.ts"]);
    const build = await Bun.build({ entrypoints: [join(ROOT, entry)], target: "bun" });
    expect(build.success).toBe(true);
    const text = (await build.outputs[0]?.text()) ?? "";
    // Booleans, not the text itself: a failure would print the whole bundle.
    expect(text.includes("BUN_JSC_useFTLJIT")).toBe(true);
    expect(text.includes("function runMain")).toBe(false);
    expect(text.includes("Could not relaunch with the JIT's top tier off")).toBe(false);
  });
});
