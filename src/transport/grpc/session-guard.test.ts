// The gRPC server's connection limits over loopback: a session without calls is closed after
// its idle time while one with a long call stays; sessions past the cap are refused, unless
// one open never proved its caller, which gives way; a session never runs more calls at once
// than the cap.

import { afterEach, describe, expect, test } from "bun:test";
import http2 from "node:http2";
import { waitUntil } from "../../../test/contracts/fake-node-api.ts";
import { createLogger } from "../../lib/index.ts";
import { GrpcClient } from "./client.ts";
import type { HealthCheckRequest, HealthCheckResponse } from "./health.ts";
import { protoMethod } from "./method.ts";
import { GrpcServer, type GrpcServerOptions } from "./server.ts";
import { GrpcStatusError } from "./status.ts";

const logger = createLogger({ level: "error", format: "text", write: () => undefined });
const check = protoMethod<HealthCheckRequest, HealthCheckResponse>(
  "grpc.health.v1.Health",
  "Check",
);

const servers: GrpcServer[] = [];
const clients: GrpcClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const server of servers.splice(0)) await server.close();
});

/** A server whose Check waits `delayMs` (counting calls running at once), and its address. */
async function serverWith(
  options: Partial<GrpcServerOptions>,
  delayMs = 0,
): Promise<{ address: string; running: () => number; most: () => number }> {
  const server = new GrpcServer({ logger, closeGraceMs: 20, ...options });
  let running = 0;
  let most = 0;
  server.addUnary(check, async () => {
    running++;
    most = Math.max(most, running);
    await Bun.sleep(delayMs);
    running--;
    return { status: 1 };
  });
  servers.push(server);
  const { port } = await server.listen("127.0.0.1", 0);
  return { address: `127.0.0.1:${port}`, running: () => running, most: () => most };
}

function clientOf(address: string): GrpcClient {
  const client = new GrpcClient({ address });
  clients.push(client);
  return client;
}

describe("session limits", () => {
  test("a session without calls is closed after the idle time; a long call keeps it open", async () => {
    const { address } = await serverWith({ sessionIdleMs: 150 }, 400);
    const session = http2.connect(`http://${address}`);
    let closedAtMs: number | undefined;
    session.on("close", () => {
      closedAtMs = performance.now();
    });
    session.on("error", () => undefined);
    const startedMs = performance.now();
    const stream = session.request({
      ":method": "POST",
      ":path": check.path,
      "content-type": "application/grpc",
      te: "trailers",
    });
    stream.end(Buffer.from([0, 0, 0, 0, 0]));
    const trailers = await new Promise<http2.IncomingHttpHeaders>((resolve) =>
      stream.on("trailers", resolve),
    );
    // The call outlived the idle time: a session with a call in flight is not idle.
    expect(trailers["grpc-status"]).toBe("0");
    expect(performance.now() - startedMs).toBeGreaterThanOrEqual(390);
    expect(closedAtMs).toBeUndefined();
    await waitUntil(() => closedAtMs !== undefined, "the idle session to close", 2_000);
  });

  test("connections past the cap are refused; a freed place is taken again", async () => {
    const { address } = await serverWith({ sessionsMax: 1 });
    const first = clientOf(address);
    expect((await first.unary(check, { service: "" })).status).toBe(1);
    const second = new GrpcClient({
      address,
      backoff: { initialMs: 1, maxMs: 1, multiplier: 1, jitter: 0 },
    });
    clients.push(second);
    const refused = await second
      .unary(check, { service: "" }, { timeoutMs: 2_000 })
      .catch((e) => e);
    expect(refused).toBeInstanceOf(GrpcStatusError);
    expect((refused as GrpcStatusError).code).toBe("UNAVAILABLE");
    first.close();
    await Bun.sleep(50);
    expect((await second.unary(check, { service: "" }, { timeoutMs: 2_000 })).status).toBe(1);
  });

  test("at the cap, a new connection takes the place of one that never proved its caller", async () => {
    const lines: string[] = [];
    const warnings = createLogger({ level: "warn", format: "text", write: (l) => lines.push(l) });
    // A call with the `proof` metadata proves its caller; one without is an open call.
    const authorize = (_path: string, metadata: Record<string, string>) => "proof" in metadata;
    const { address } = await serverWith({ sessionsMax: 2, authorize, logger: warnings });
    const proven = { metadata: { proof: "yes" }, timeoutMs: 2_000 };
    const operator = clientOf(address);
    expect((await operator.unary(check, { service: "" }, proven)).status).toBe(1);
    // A stranger's connection with an open call in flight holds the other place.
    const stranger = http2.connect(`http://${address}`);
    let isStrangerClosed = false;
    stranger.on("close", () => {
      isStrangerClosed = true;
    });
    stranger.on("error", () => undefined);
    const held = stranger.request({
      ":method": "POST",
      ":path": check.path,
      "content-type": "application/grpc",
      te: "trailers",
    });
    held.on("error", () => undefined);
    await new Promise((resolve) => held.on("ready", resolve));
    const client = clientOf(address);
    expect((await client.unary(check, { service: "" }, proven)).status).toBe(1);
    await waitUntil(() => isStrangerClosed, "the stranger's connection to close", 2_000);
    // The operator's connection, which proved its caller, stayed.
    expect((await operator.unary(check, { service: "" }, proven)).status).toBe(1);
    expect(lines.some((line) => line.includes("at the limit of 2"))).toBe(true);
  });

  test("a session never runs more calls at once than the stream cap", async () => {
    const { address, most } = await serverWith({ concurrentStreamsMax: 2 }, 100);
    const client = clientOf(address);
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, () =>
        client.unary(check, { service: "" }, { timeoutMs: 3_000 }).then(
          () => "ok",
          (error: Error) => error.message,
        ),
      ),
    );
    // Bun's HTTP/2 server refuses the streams past the SETTINGS value with REFUSED_STREAM.
    expect(most()).toBe(2);
    expect(outcomes.filter((outcome) => outcome === "ok")).toHaveLength(2);
    expect(outcomes.filter((outcome) => outcome.endsWith("refused the call"))).toHaveLength(4);
  });
});
