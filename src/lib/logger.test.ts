import { describe, expect, test } from "bun:test";
import { createLogger, type LogLevel, logSettingsFromEnv } from "./logger.ts";

function capture(level: LogLevel, format: "text" | "json" = "text") {
  const lines: string[] = [];
  const logger = createLogger({
    level,
    format,
    write: (line) => lines.push(line),
    now: () => new Date("2026-01-02T03:04:05.000Z"),
  });
  return { lines, logger };
}

describe("logger", () => {
  test("text lines read LEVEL message, key: value", () => {
    const { lines, logger } = capture("info");
    logger.info("Starting node", { node_id: 1, address: "127.0.0.1:7001" });
    logger.info("Node 1 is ready");
    expect(lines).toEqual([
      "INFO Starting node, node_id: 1, address: 127.0.0.1:7001",
      "INFO Node 1 is ready",
    ]);
  });

  test("with timestamps, text lines start with the UTC time", () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: "info",
      format: "text",
      timestamps: true,
      write: (line) => lines.push(line),
      now: () => new Date("2026-01-02T03:04:05.678Z"),
    });
    logger.warn("Slow peer", { peer: 2 });
    expect(lines).toEqual(["2026-01-02T03:04:05.678Z WARN Slow peer, peer: 2"]);
  });

  test("levels below the threshold are dropped", () => {
    const { lines, logger } = capture("warn");
    logger.trace("t");
    logger.debug("d");
    logger.info("i");
    logger.warn("w");
    logger.error("e");
    expect(lines).toEqual(["WARN w", "ERROR e"]);
    expect(logger.isEnabled("info")).toBe(false);
    expect(logger.isEnabled("error")).toBe(true);
  });

  test("trace shows everything", () => {
    const { lines, logger } = capture("trace");
    logger.trace("t");
    logger.debug("d");
    expect(lines).toEqual(["TRACE t", "DEBUG d"]);
  });

  test("child loggers add their fields; undefined fields are left out", () => {
    const { lines, logger } = capture("info");
    logger.child({ group: 3 }).info("Became leader", { term: 7, extra: undefined });
    expect(lines).toEqual(["INFO Became leader, group: 3, term: 7"]);
  });

  test("a value with a newline cannot forge a second line", () => {
    const { lines, logger } = capture("info");
    logger.info("peer said", { text: "a\nINFO forged" });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe("INFO peer said, text: a INFO forged");
  });

  test("json lines carry time, level, message and fields", () => {
    const { lines, logger } = capture("info", "json");
    logger.warn("Slow peer", { node_id: 2, lag: 10n });
    expect(JSON.parse(lines[0] ?? "")).toEqual({
      time: "2026-01-02T03:04:05.000Z",
      level: "warn",
      message: "Slow peer",
      node_id: 2,
      lag: "10",
    });
  });
});

describe("log settings from the environment", () => {
  test("defaults to info and text", () => {
    expect(logSettingsFromEnv({})).toEqual({ level: "info", format: "text", warnings: [] });
  });

  test("RUST_LOG is accepted, RAFTORAL_LOG wins", () => {
    expect(logSettingsFromEnv({ RUST_LOG: "debug" }).level).toBe("debug");
    expect(logSettingsFromEnv({ RUST_LOG: "debug", RAFTORAL_LOG: "error" }).level).toBe("error");
  });

  test("env_logger directives: the raftoral target beats a bare level", () => {
    expect(logSettingsFromEnv({ RUST_LOG: "warn,raftoral=trace" }).level).toBe("trace");
    expect(logSettingsFromEnv({ RUST_LOG: "h2=debug,warn" }).level).toBe("warn");
  });

  test("a bad level or format is a warning, not a crash", () => {
    const settings = logSettingsFromEnv({ RAFTORAL_LOG: "loud", RAFTORAL_LOG_FORMAT: "xml" });
    expect(settings.level).toBe("info");
    expect(settings.format).toBe("text");
    expect(settings.warnings).toHaveLength(2);
    expect(settings.warnings[0]).toContain("RAFTORAL_LOG=loud is not a log level");
  });

  test("json format", () => {
    expect(logSettingsFromEnv({ RAFTORAL_LOG_FORMAT: "json" }).format).toBe("json");
  });
});
