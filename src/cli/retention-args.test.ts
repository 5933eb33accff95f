// The retention options on both command lines: the server's --retain-* (a new cluster's
// first setting) and `raftoral cluster retention --count --for --at-least`.

import { describe, expect, test } from "bun:test";
import { DEFAULT_RETENTION, formatDurationMs, parseDurationMs } from "../lib/index.ts";
import { parseClientArgs } from "./client-args.ts";
import { retentionText } from "./retention-output.ts";
import { parseServerArgs } from "./server-args.ts";

const BOOTSTRAP = ["--listen", "127.0.0.1:7001", "--bootstrap"];

describe("durations", () => {
  test.each([
    ["250ms", 250],
    ["90s", 90_000],
    ["15m", 900_000],
    ["1h", 3_600_000],
    ["7d", 604_800_000],
    ["30", 30_000],
    ["0", 0],
  ])("%s is %d ms", (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  test.each(["", "1.5h", "-1s", "1w", "h", "1 h"])("'%s' is not a duration", (text) => {
    expect(parseDurationMs(text)).toBeUndefined();
  });

  test("formatted back in the largest whole unit", () => {
    expect(formatDurationMs(3_600_000)).toBe("1h");
    expect(formatDurationMs(90_000)).toBe("90s");
    expect(formatDurationMs(1500)).toBe("1500ms");
    expect(formatDurationMs(0)).toBe("0s");
  });
});

describe("server --retain-* options", () => {
  test("without them, a new cluster gets the defaults (none recorded in the args)", () => {
    const parsed = parseServerArgs(BOOTSTRAP);
    expect(parsed.kind === "run" && parsed.args.retention).toBeUndefined();
  });

  test("the ones given replace the defaults", () => {
    const parsed = parseServerArgs([
      ...BOOTSTRAP,
      "--retain-finished",
      "500",
      "--retain-for",
      "7d",
    ]);
    expect(parsed.kind === "run" && parsed.args.retention).toEqual({
      finishedMax: 500,
      retainForMs: 604_800_000,
      retainAtLeastMs: DEFAULT_RETENTION.retainAtLeastMs,
    });
    const noFloor = parseServerArgs([...BOOTSTRAP, "--retain-at-least", "0"]);
    expect(noFloor.kind === "run" && noFloor.args.retention?.retainAtLeastMs).toBe(0);
  });

  test.each([
    [["--retain-finished", "0"], "--retain-finished '0' must be a whole number from 1"],
    [["--retain-finished", "many"], "--retain-finished 'many' must be a whole number"],
    [["--retain-for", "soon"], "--retain-for 'soon' must be a duration such as 90s"],
    [
      ["--retain-for", "30s"],
      "lower the floor (--retain-at-least, or --at-least of `cluster retention`) or raise the limit (--retain-for, or --for)",
    ],
    [["--retain-at-least"], "--retain-at-least <VALUE> needs a value"],
  ])("%p is refused: %s", (extra, message) => {
    const parsed = parseServerArgs([...BOOTSTRAP, ...extra]);
    expect(parsed.kind).toBe("error");
    expect(parsed.kind === "error" && parsed.message).toContain(message);
  });

  test("they need --bootstrap: the setting belongs to the cluster, not to a node", () => {
    const parsed = parseServerArgs([
      "--listen",
      "127.0.0.1:7002",
      "--peers",
      "127.0.0.1:7001",
      "--retain-finished",
      "5",
    ]);
    expect(parsed.kind === "error" && parsed.message).toContain(
      "--retain-finished only applies with --bootstrap",
    );
  });
});

describe("raftoral cluster retention", () => {
  test("without options it only shows the setting", () => {
    const parsed = parseClientArgs(["cluster", "retention"]);
    expect(parsed.kind === "command" && parsed.command).toMatchObject({
      kind: "cluster-retention",
      change: {},
    });
  });

  test("each option sets its field; --for none is no time limit", () => {
    const parsed = parseClientArgs([
      "cluster",
      "retention",
      "--count",
      "42",
      "--for",
      "none",
      "--at-least",
      "10m",
      "--json",
    ]);
    expect(parsed.kind === "command" && parsed.command).toMatchObject({
      kind: "cluster-retention",
      change: { finishedMax: 42, retainForMs: 0, retainAtLeastMs: 600_000 },
      connection: { json: true },
    });
  });

  test.each([
    [["--count", "0"], "--count '0' must be a whole number from 1"],
    [["--at-least", "later"], "--at-least 'later' must be a duration"],
    [["extra"], "unexpected argument 'extra'"],
  ])("%p is a usage error naming %s", (extra, message) => {
    const parsed = parseClientArgs(["cluster", "retention", ...extra]);
    expect(parsed.kind).toBe("error");
    expect(parsed.kind === "error" && parsed.message).toContain(message);
  });

  test("--help explains the floor", () => {
    const parsed = parseClientArgs(["cluster", "retention", "--help"]);
    expect(parsed.kind === "help" && parsed.text).toContain("--at-least <DURATION>");
  });

  test("the text output says when the cluster never had a setting", () => {
    const built = { finishedMax: 10_000, retainForMs: 0, retainAtLeastMs: 0 };
    const text = retentionText({ retention: built, isSet: false }, false);
    expect(text).toContain("no time limit");
    expect(text).toContain("at least  no floor (past the count, the oldest result goes at once)");
    expect(text).not.toContain("never dropped");
    expect(text).toContain("Not set in this cluster");
    const set = retentionText({ retention: DEFAULT_RETENTION, isSet: true }, true);
    expect(set).toContain("at least  1m (younger results are never dropped for the count)");
    expect(set).not.toContain("Not set");
  });
});
