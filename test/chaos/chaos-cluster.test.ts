// The chaos cluster keeps the log of every process a node ran as, for a run that needs them,
// and a run with a violation leaves its timeline and each node's metrics beside them.

import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChaosCluster } from "./chaos-cluster.ts";
import { ChaosTimeline, scrapeMetrics, writeMetrics } from "./chaos-evidence.ts";

const FIXTURE = join(import.meta.dir, "fixtures", "chaos-workflows.ts");

let cluster: ChaosCluster | undefined;
let directory: string | undefined;
afterEach(async () => {
  await cluster?.stop();
  if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
  cluster = undefined;
  directory = undefined;
});

describe("ChaosCluster logs", () => {
  test("a killed and restarted node's two processes each keep their whole log", async () => {
    cluster = new ChaosCluster("http", FIXTURE);
    await cluster.start(1);
    const node = cluster.nodes[0];
    if (node === undefined) throw new Error("no node");
    const first = node.process?.pid;
    await cluster.kill(node);
    await cluster.restart(node);
    const second = node.process?.pid;
    await cluster.stop();
    const logs = cluster.logs();
    expect(logs.map((log) => log.pid)).toEqual([first as number, second as number]);
    for (const log of logs) expect(log.log).toContain("Node 1 is ready");
    directory = mkdtempSync(join(tmpdir(), "raftoral-chaos-logs-"));
    cluster.writeLogs(directory);
    expect(readdirSync(directory).sort()).toEqual(
      [`node-0-pid-${first}.log`, `node-0-pid-${second}.log`].sort(),
    );
    expect(readFileSync(join(directory, `node-0-pid-${second}.log`), "utf8")).toBe(
      logs[1]?.log ?? "",
    );
  }, 60_000);

  test("the evidence: the timeline with wall-clock times and a live node's metrics", async () => {
    cluster = new ChaosCluster("http", FIXTURE);
    await cluster.start(1);
    const passedOn: string[] = [];
    const timeline = new ChaosTimeline();
    const log = timeline.recorder((line) => passedOn.push(line));
    log("nemesis: pause node 0 for 300 ms");
    const metrics = await scrapeMetrics(cluster, "http");
    directory = mkdtempSync(join(tmpdir(), "raftoral-chaos-evidence-"));
    timeline.write(directory);
    writeMetrics(directory, metrics);
    expect(passedOn).toEqual(["nemesis: pause node 0 for 300 ms"]);
    expect(readFileSync(join(directory, "timeline.log"), "utf8")).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z nemesis: pause node 0 for 300 ms\n$/,
    );
    const page = readFileSync(join(directory, "node-0-metrics.txt"), "utf8");
    expect(page).toContain("# first look\n");
    expect(page).toContain("# 2000 ms later\n");
    expect(page).toContain("raftoral_host_turn_seconds_count");
    expect(page).toContain('raftoral_raft_is_leader{group="0"} 1');
  }, 60_000);
});
