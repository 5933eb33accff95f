// Durable timers across a restart of the whole cluster: real node processes with SQLite
// storage; every node is killed while a workflow sleeps, and kept down past its wake-up
// time. Restarted from storage, the cluster fires the timer that came due meanwhile, once.

import { afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import { GrpcProtocolClient } from "../../src/client/index.ts";
import { NodeProcessCluster } from "../support/node-process-cluster.ts";
import { outputOf } from "../support/outcomes.ts";

const WORKFLOWS = join(import.meta.dir, "fixtures", "multi-step-workflows.ts");
let cluster: NodeProcessCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

/** Polls `probe` until it returns a value (50 ms apart), or fails after `timeoutMs`. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

test("a timer that came due while every node was down fires once they are back", async () => {
  cluster = new NodeProcessCluster("grpc", ["--workflows", WORKFLOWS]);
  const current = cluster;
  const nodes = [await current.add(), await current.add(), await current.add()];
  const untilMs = Date.now() + 3_000;
  const request = {
    workflowType: "nap_until",
    version: 1,
    input: { untilMs },
    workflowId: "nap-restart",
  };
  await until("the start to be accepted", async () => {
    const peer = new GrpcProtocolClient(nodes[0]?.address ?? "");
    try {
      return await peer.startWorkflow(request, { timeoutMs: 5_000 });
    } catch {
      // Handled: the first group may still be forming; the id makes a repeat safe.
      return undefined;
    } finally {
      await peer.close();
    }
  });
  for (const node of current.nodes) await current.kill(node);
  // Down past the wake-up time: nobody can fire it now.
  await until("the wake-up time to pass", async () =>
    Date.now() > untilMs + 500 ? true : undefined,
  );
  const restartedAtMs = Date.now();
  await Promise.all(current.nodes.map((node) => current.launch(node)));
  const peer = new GrpcProtocolClient(nodes[2]?.address ?? "");
  const outcome = await peer.waitWorkflow(
    { workflowId: "nap-restart", timeoutSeconds: 30 },
    { timeoutMs: 40_000 },
  );
  await peer.close();
  const { wokeAtMs } = outputOf(outcome) as { wokeAtMs: number };
  expect(wokeAtMs).toBeGreaterThanOrEqual(untilMs);
  // It woke after the restart (same machine, same clock): fired on recovery, not before.
  expect(wokeAtMs).toBeGreaterThanOrEqual(restartedAtMs);
}, 120_000);
