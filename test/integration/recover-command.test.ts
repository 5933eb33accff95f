// `raftoral cluster recover`, as an operator would run it: three nodes from the compiled
// binary, two of them killed for good; the survivor reports the lost majority, the dry run
// changes nothing, --force brings the groups back, and workflows run again.

import { afterEach, describe, expect, test } from "bun:test";
import { BinaryNodes } from "../support/binary-nodes.ts";
import { compiledBinary } from "../support/compiled-binary.ts";
import { freePort } from "../support/ports.ts";

let nodes: BinaryNodes | undefined;
afterEach(async () => {
  await nodes?.stopAll();
  nodes = undefined;
});

function cli(args: readonly string[]): { code: number; stdout: string; stderr: string } {
  const result = Bun.spawnSync([compiledBinary(), ...args], { stdout: "pipe", stderr: "pipe" });
  return {
    code: result.exitCode,
    stdout: result.stdout.toString(),
    stderr: result.stderr.toString(),
  };
}

async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(200);
  }
}

describe.each(["grpc", "http"] as const)("cluster recover over %s", (transport) => {
  test("the survivor of a lost majority serves again after --force", async () => {
    const current = new BinaryNodes();
    nodes = current;
    const addresses = await Promise.all([0, 1, 2].map(async () => `127.0.0.1:${await freePort()}`));
    const [first = "", second = "", survivor = ""] = addresses;
    const base = ["--transport", transport];
    await current.start(["--listen", first, "--bootstrap", ...base]);
    await current.start(["--listen", second, "--peers", first, ...base]);
    await current.start(["--listen", survivor, "--peers", first, ...base]);
    const at = ["--address", `${transport}://${survivor}`];
    await until("three voters", () =>
      cli(["cluster", "status", ...at, "--json"]).stdout.includes(
        '"voters": [\n        1,\n        2,\n        3\n      ]',
      ),
    );
    for (const node of current.nodes.slice(0, 2)) {
      node.process.kill("SIGKILL");
      await node.process.exited;
    }
    await until("the survivor to report the lost majority", () => {
      const health = cli(["node", "health", ...at]);
      return health.code === 1 && health.stdout.includes("no leader");
    });
    // The dry run lists both groups once each has gone without a leader for a few seconds.
    let dryRun = cli(["cluster", "recover", ...at]);
    await until("both groups in the dry run", () => {
      dryRun = cli(["cluster", "recover", ...at]);
      return dryRun.stdout.includes("0 (management)") && /\n {2}1 /.test(dryRun.stdout);
    });
    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toContain("Dry run");
    expect(dryRun.stdout).toContain("WARNING");
    expect(cli(["node", "health", ...at]).code).toBe(1);

    const forced = cli(["cluster", "recover", ...at, "--force", "--json"]);
    expect(forced.code).toBe(0);
    const report = JSON.parse(forced.stdout) as {
      groups: { cluster_id: number; recovered: boolean }[];
    };
    expect(report.groups.map((group) => [group.cluster_id, group.recovered])).toEqual([
      [0, true],
      [1, true],
    ]);
    const run = cli(["workflow", "run", "ping_pong", "--input", '"ping"', ...at, "--wait"]);
    expect(run.stdout).toContain('Completed: "pong"');
    expect(cli(["node", "health", ...at]).code).toBe(0);
    // Nothing is left to recover, and a group with a leader is never forced.
    expect(cli(["cluster", "recover", ...at]).stdout).toContain("nothing to recover");
    const refused = cli(["cluster", "recover", ...at, "--cluster", "1", "--force"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("has a leader");
  }, 120_000);
});
