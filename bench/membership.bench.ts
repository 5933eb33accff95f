// Start-up, growth and repair times on real node processes (SQLite storage, loopback), per
// transport. Prints one JSON line per measurement:
//   ready_ms: from exec to "Node N is ready" for a bootstrap, each join, and a restart;
//   survives_one_failure_ms: from exec of the third node until every group (management and
//     execution) has three voters and is out of any joint configuration;
//   repair_ms: from SIGKILL of one node of four until every group has three voters again
//     without it (the failure timeout, 30 s, is most of it).
// BENCH_RUNS (default 3) runs per transport; the CI smoke run sets it to 1 with no repair.
// Each line names its `target`: "compiled" is the binary `make build` makes (compiled here
// into a temporary directory with the same flags), "source" is `bun src/cli/main.ts`.
// BENCH_TARGET=compiled|source picks one; both by default. Start-up figures are for the
// compiled binary: that is what ships, and from source Bun also transpiles every module.
// BENCH_BINARY=<path> measures that binary as "compiled" instead of compiling one (an A/B
// against another commit's `make build`).

import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { RaftoralClient } from "../src/client/index.ts";
import { compileBinaryTo, RELEASE_FLAGS } from "../test/support/compiled-binary.ts";
import { type NodeProcess, NodeProcessCluster } from "../test/support/node-process-cluster.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const WITH_REPAIR = process.env.BENCH_REPAIR !== "0";
const TARGETS = (process.env.BENCH_TARGET ?? "compiled,source").split(",");

type Target = { readonly name: string; readonly cli: readonly string[] | undefined };
let target: Target = { name: "source", cli: undefined };

function emit(fields: Record<string, unknown>): void {
  console.log(
    JSON.stringify({
      bench: "membership",
      target: target.name,
      ...fields,
      load1m: Number(loadavg()[0]?.toFixed(2)),
      cores: cpus().length,
    }),
  );
}

/** Starts a node and returns how long it took from exec to ready. */
async function timedAdd(cluster: NodeProcessCluster): Promise<{ node: NodeProcess; ms: number }> {
  const begin = performance.now();
  const node = await cluster.add();
  return { node, ms: performance.now() - begin };
}

/** Polls `address` until every group has at least `voters` voters and none is joint. */
async function untilVoters(
  transport: "grpc" | "http",
  address: string,
  voters: number,
  excluded: number,
): Promise<void> {
  const client = new RaftoralClient([`${transport}://${address}`], { timeoutMs: 5_000 });
  try {
    const deadline = performance.now() + 120_000;
    for (;;) {
      const status = await client.status().catch(() => undefined);
      const management = status?.nodes.filter(
        (node) => node.managementRole === "voter" && node.nodeId !== excluded,
      ).length;
      const groups = status?.groups ?? [];
      const isDone =
        management !== undefined &&
        management >= voters &&
        groups.length > 0 &&
        groups.every(
          (group) =>
            group.voters.filter((id) => id !== excluded).length >= voters &&
            !group.voters.includes(excluded as never),
        );
      if (isDone) return;
      if (performance.now() > deadline) throw new Error(`never reached ${voters} voters`);
      await Bun.sleep(10);
    }
  } finally {
    await client.close();
  }
}

async function run(transport: "grpc" | "http"): Promise<void> {
  const cluster = new NodeProcessCluster(transport, [], target.cli);
  try {
    const first = await timedAdd(cluster);
    emit({ measure: "ready_ms", transport, kind: "bootstrap", ms: Math.round(first.ms) });
    const second = await timedAdd(cluster);
    emit({ measure: "ready_ms", transport, kind: "join (2nd node)", ms: Math.round(second.ms) });
    const begin = performance.now();
    const third = await cluster.add();
    emit({
      measure: "ready_ms",
      transport,
      kind: "join (3rd node)",
      ms: Math.round(performance.now() - begin),
    });
    await untilVoters(transport, first.node.address, 3, 0);
    emit({
      measure: "survives_one_failure_ms",
      transport,
      ms: Math.round(performance.now() - begin),
    });
    await cluster.signal(third, "SIGTERM");
    const restartBegin = performance.now();
    await cluster.launch(third);
    emit({
      measure: "ready_ms",
      transport,
      kind: "restart from storage",
      ms: Math.round(performance.now() - restartBegin),
    });
    if (!WITH_REPAIR) return;
    await cluster.add();
    await untilVoters(transport, first.node.address, 4, 0);
    const killed = cluster.nodes[3] as NodeProcess;
    const killedId = cluster.nodeId(killed);
    const killBegin = performance.now();
    await cluster.kill(killed);
    await untilVoters(transport, first.node.address, 3, killedId);
    emit({ measure: "repair_ms", transport, ms: Math.round(performance.now() - killBegin) });
  } finally {
    await cluster.stop();
  }
}

const binaryDirectory = mkdtempSync(join(tmpdir(), "raftoral-bench-bin-"));
try {
  for (const name of TARGETS) {
    if (name === "compiled") {
      let binary = process.env.BENCH_BINARY;
      if (binary === undefined) {
        binary = join(binaryDirectory, "raftoral");
        compileBinaryTo(binary, RELEASE_FLAGS);
      }
      target = { name, cli: [binary] };
    } else {
      target = { name: "source", cli: undefined };
    }
    for (const transport of ["grpc", "http"] as const) {
      for (let k = 0; k < RUNS; k++) await run(transport);
    }
  }
} finally {
  rmSync(binaryDirectory, { recursive: true, force: true });
}
