import { describe, expect, test } from "bun:test";
import { createLogger } from "../lib/index.ts";
import { bufferedLogOutput } from "./log-output.ts";

/** An output whose runs of code the test ends by hand, and the writes it made. */
function fixture() {
  const writes: string[] = [];
  const soon: (() => void)[] = [];
  const output = bufferedLogOutput(
    (text) => writes.push(text),
    (callback) => soon.push(callback),
  );
  const endRun = (): void => {
    for (const callback of soon.splice(0)) callback();
  };
  const logger = createLogger({ level: "debug", format: "text", write: output.write });
  return { writes, output, endRun, logger };
}

describe("bufferedLogOutput", () => {
  test("the lines of one run of code leave in one write, in order, when it ends", () => {
    const { writes, endRun, logger } = fixture();
    logger.info("Workflow started", { workflow_id: "a" });
    logger.debug("Workflow started", { workflow_id: "b" });
    logger.info("Workflow completed", { workflow_id: "a" });
    expect(writes).toEqual([]);
    endRun();
    const first =
      "INFO Workflow started, workflow_id: a\nDEBUG Workflow started, workflow_id: b\nINFO Workflow completed, workflow_id: a\n";
    expect(writes).toEqual([first]);
    endRun();
    logger.info("Node 1 is ready");
    endRun();
    expect(writes).toEqual([first, "INFO Node 1 is ready\n"]);
  });

  test("in a process, the lines leave before any awaiting code goes on", async () => {
    const writes: string[] = [];
    const output = bufferedLogOutput((text) => writes.push(text), queueMicrotask);
    const logger = createLogger({ level: "info", format: "text", write: output.write });
    const ready = Promise.withResolvers<void>();
    const seen = ready.promise.then(() => [...writes]);
    logger.info("Hosting group");
    logger.info("Node 1 is ready");
    ready.resolve();
    expect(await seen).toEqual(["INFO Hosting group\nINFO Node 1 is ready\n"]);
  });

  test("a warning or an error goes out at once, after the lines before it", () => {
    const { writes, endRun, logger } = fixture();
    logger.info("Workflow started", { workflow_id: "a" });
    logger.error("Workflow run hit a bug; stopping");
    expect(writes).toEqual([
      "INFO Workflow started, workflow_id: a\nERROR Workflow run hit a bug; stopping\n",
    ]);
    logger.warn("Slow disk");
    expect(writes).toHaveLength(2);
    endRun();
    expect(writes).toHaveLength(2);
  });

  test("a long run's lines do not pile up, and flush writes what waits where it is told", () => {
    const { writes, output, logger } = fixture();
    const line = "x".repeat(1_000);
    for (let k = 0; k < 100; k++) logger.info(line);
    expect(writes).toHaveLength(1);
    expect(writes[0]?.length).toBeGreaterThan(64 * 1024);
    const written = writes[0]?.length ?? 0;
    const atExit: string[] = [];
    output.flush((text) => atExit.push(text));
    expect(writes).toHaveLength(1);
    expect(written + (atExit[0]?.length ?? 0)).toBe(100 * `INFO ${line}\n`.length);
    output.flush();
    expect(writes).toHaveLength(1);
  });
});
