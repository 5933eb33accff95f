import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createLogger } from "../../lib/index.ts";
import { GrpcClient } from "./client.ts";
import { HealthMethods, HealthService, ServingStatus } from "./health.ts";
import { RAFT_SERVICE } from "./raftoral-methods.ts";
import { GrpcServer } from "./server.ts";
import { GrpcStatus, GrpcStatusError } from "./status.ts";

const logger = createLogger({ level: "error", format: "text", write: () => undefined });

describe("grpc.health.v1.Health", () => {
  const server = new GrpcServer({ logger, closeGraceMs: 50 });
  const health = new HealthService({ "": ServingStatus.SERVING }, 2);
  let client: GrpcClient;

  beforeAll(async () => {
    health.register(server);
    const { port } = await server.listen("127.0.0.1", 0);
    client = new GrpcClient({ address: `127.0.0.1:${port}` });
  });

  afterAll(async () => {
    client.close();
    await server.close();
  });

  test("Check answers the status of a known service and NOT_FOUND for others", async () => {
    expect(await client.unary(HealthMethods.check, { service: "" })).toEqual({
      status: ServingStatus.SERVING,
    });
    const error = await client.unary(HealthMethods.check, { service: "nope" }).catch((e) => e);
    expect(error).toBeInstanceOf(GrpcStatusError);
    expect((error as GrpcStatusError).grpcCode).toBe(GrpcStatus.NOT_FOUND);
  });

  test("Watch sends the current status, then every change, and stops when the caller does", async () => {
    const seen: ServingStatus[] = [];
    const stream = client.serverStreaming(HealthMethods.watch, { service: RAFT_SERVICE });
    for await (const response of stream) {
      seen.push(response.status);
      if (seen.length === 1) health.setStatus(RAFT_SERVICE, ServingStatus.SERVING);
      if (seen.length === 2) {
        health.setStatus(RAFT_SERVICE, ServingStatus.SERVING); // no change: nothing sent
        health.setStatus("other", ServingStatus.NOT_SERVING); // another service: nothing sent
        health.setStatus(RAFT_SERVICE, ServingStatus.NOT_SERVING);
      }
      if (seen.length === 3) break;
    }
    expect(seen).toEqual([
      ServingStatus.SERVICE_UNKNOWN,
      ServingStatus.SERVING,
      ServingStatus.NOT_SERVING,
    ]);
    const deadline = performance.now() + 2_000;
    while (health.watchers > 0 && performance.now() < deadline) await Bun.sleep(5);
    expect(health.watchers).toBe(0);
  });

  test("the number of watchers is bounded", async () => {
    const first = client
      .serverStreaming(HealthMethods.watch, { service: "" })
      [Symbol.asyncIterator]();
    const second = client
      .serverStreaming(HealthMethods.watch, { service: "" })
      [Symbol.asyncIterator]();
    await first.next();
    await second.next();
    const third = client
      .serverStreaming(HealthMethods.watch, { service: "" })
      [Symbol.asyncIterator]();
    const error = await third.next().catch((e: unknown) => e);
    expect((error as GrpcStatusError).grpcCode).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    await first.return?.();
    await second.return?.();
  });
});
