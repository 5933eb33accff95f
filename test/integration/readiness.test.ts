// Issue 13, item 1: health tells the truth. A client polls health the way a load balancer
// or a script would and starts a workflow the very moment health says SERVING (gRPC) or 200
// (HTTP); the start must succeed. Run against a fresh bootstrap node, and against a node
// joining a running cluster, many times in a row on both transports (READINESS_RUNS, default
// 10; the bar is 50).

import { afterEach, describe, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { GrpcProtocolClient, HttpProtocolClient } from "../../src/client/index.ts";
import { GrpcClient, HealthMethods, ServingStatus } from "../../src/transport/grpc/index.ts";
import { compiledBinary } from "../support/compiled-binary.ts";
import { freePort } from "../support/ports.ts";

const RUNS = Number(process.env.READINESS_RUNS ?? 10);
const START_REQUEST = { workflowType: "ping_pong", version: 1, input: "ping" } as const;

type Transport = "grpc" | "http";

const children: Subprocess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    child.kill("SIGKILL");
    await child.exited;
  }
});

function spawnNode(args: readonly string[]): Subprocess {
  const child = Bun.spawn([compiledBinary(), ...args], {
    stdin: "ignore",
    stdout: "ignore",
    stderr: "ignore",
  });
  children.push(child);
  return child;
}

/** Polls health as fast as a client would dare; resolves on the first "serving" answer. */
async function untilServing(transport: Transport, address: string, child: Subprocess) {
  const deadline = performance.now() + 30_000;
  const grpc = transport === "grpc" ? new GrpcClient({ address }) : undefined;
  try {
    while (performance.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`node ${address} exited (${child.exitCode})`);
      if (await isServing(address, grpc)) return;
      await Bun.sleep(2);
    }
    throw new Error(`node ${address} never reported serving`);
  } finally {
    grpc?.close();
  }
}

/** Resolves once the node answers health at all, serving or not. */
async function untilListening(transport: Transport, address: string, child: Subprocess) {
  const deadline = performance.now() + 30_000;
  const grpc = transport === "grpc" ? new GrpcClient({ address }) : undefined;
  try {
    while (performance.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`node ${address} exited (${child.exitCode})`);
      try {
        if (grpc !== undefined) await grpc.unary(HealthMethods.check, { service: "" }, {});
        else await (await fetch(`http://${address}/health`)).body?.cancel();
        return;
      } catch {
        // Handled: not listening yet; try again.
        await Bun.sleep(2);
      }
    }
    throw new Error(`node ${address} never listened`);
  } finally {
    grpc?.close();
  }
}

/** gRPC health when `grpc` is given, HTTP's /health otherwise. */
async function isServing(address: string, grpc: GrpcClient | undefined): Promise<boolean> {
  try {
    if (grpc !== undefined) {
      const answer = await grpc.unary(HealthMethods.check, { service: "" }, { timeoutMs: 1000 });
      return answer.status === ServingStatus.SERVING;
    }
    const response = await fetch(`http://${address}/health`);
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    // Handled: not listening yet is the same as not serving.
    return false;
  }
}

/** Starts ping_pong on `address` at once and expects it to be accepted, then its result. */
async function startAndFinish(transport: Transport, address: string): Promise<void> {
  const client =
    transport === "grpc" ? new GrpcProtocolClient(address) : new HttpProtocolClient(address);
  try {
    const started = await client.startWorkflow(START_REQUEST, { timeoutMs: 10_000 });
    expect(started.workflowId).not.toBe("");
    const outcome = await client.waitWorkflow(
      {
        workflowId: started.workflowId,
        executionClusterId: started.executionClusterId,
        timeoutSeconds: 30,
      },
      { timeoutMs: 35_000 },
    );
    expect(outcome).toEqual({ success: true, output: "pong" });
  } finally {
    await client.close();
  }
}

describe.each(["grpc", "http"] as const)("readiness over %s", (transport) => {
  test(
    `a start sent the moment a fresh bootstrap node reports serving succeeds, ${RUNS} times in a row`,
    async () => {
      for (let run = 0; run < RUNS; run++) {
        const address = `127.0.0.1:${await freePort()}`;
        const child = spawnNode(["--listen", address, "--transport", transport, "--bootstrap"]);
        await untilServing(transport, address, child);
        await startAndFinish(transport, address);
        child.kill("SIGKILL");
        await child.exited;
      }
    },
    RUNS * 15_000,
  );

  test("a start sent before the node is ready waits for the first execution cluster", async () => {
    for (let run = 0; run < 3; run++) {
      const address = `127.0.0.1:${await freePort()}`;
      const child = spawnNode(["--listen", address, "--transport", transport, "--bootstrap"]);
      await untilListening(transport, address, child);
      await startAndFinish(transport, address);
      child.kill("SIGKILL");
      await child.exited;
    }
  }, 60_000);

  test(
    `a start sent the moment a joining node reports serving succeeds, ${RUNS} times in a row`,
    async () => {
      for (let run = 0; run < RUNS; run++) {
        const first = `127.0.0.1:${await freePort()}`;
        const bootstrap = spawnNode(["--listen", first, "--transport", transport, "--bootstrap"]);
        await untilServing(transport, first, bootstrap);
        // The second node joins a one-node cluster, the third a two-node one.
        for (const peers of [[first], [first]]) {
          const address = `127.0.0.1:${await freePort()}`;
          const args = ["--listen", address, "--transport", transport, "--peers", peers.join(",")];
          const child = spawnNode(args);
          await untilServing(transport, address, child);
          await startAndFinish(transport, address);
        }
        for (const child of children.splice(0)) {
          child.kill("SIGKILL");
          await child.exited;
        }
      }
    },
    RUNS * 20_000,
  );
});
