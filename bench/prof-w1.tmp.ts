import { GrpcProtocolClient, type ProtocolClient } from "../src/client/index.ts";
import { NodeProcessCluster } from "../test/support/node-process-cluster.ts";
const dir = process.argv[2] ?? "/tmp/prof";
const cluster = new NodeProcessCluster("grpc");
const wrap = (cli: string[]) => [cli[0] as string, "--cpu-prof", `--cpu-prof-dir=${dir}`, ...cli.slice(1)];
try {
  for (let k = 0; k < 3; k++) await cluster.add("grpc", { wrap });
  const clients: ProtocolClient[] = cluster.nodes.map((n) => new GrpcProtocolClient(n.address));
  const run = (k: number) => (clients[k % 3] as ProtocolClient).runWorkflow({ workflowType: "ping_pong", version: 1, input: "ping" }, { timeoutMs: 60_000 });
  for (let k = 0; k < 30; k++) await run(k);
  const begin = performance.now();
  let next = 0;
  const cpu0 = process.cpuUsage();
  await Promise.all(Array.from({ length: 64 }, async () => { while (next < 3000) await run(next++); }));
  const ms = performance.now() - begin;
  const cpu = process.cpuUsage(cpu0);
  console.log(JSON.stringify({ workflowsPerSecond: Math.round(3000 / (ms / 1000)), clientCpuMsPerWorkflow: (cpu.user + cpu.system) / 1000 / 3000 }));
  for (const c of clients) await c.close();
  for (const n of cluster.nodes) await cluster.signal(n, "SIGTERM");
} finally {
  await cluster.stop();
}
