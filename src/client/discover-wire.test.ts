// Discover over both protocols: our clients against the real HTTP and gRPC servers in front of
// a fake NodeApi. The answering run's instance id comes back whole (a node taking a
// registration compares it with the joiner's), and a node that names none (an older build)
// leaves the field out rather than giving "" for an id.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DISCOVERY, FakeNodeApi } from "../../test/contracts/fake-node-api.ts";
import { createLogger } from "../lib/index.ts";
import { GrpcTransportServer } from "../transport/grpc/index.ts";
import { HttpTransportServer } from "../transport/http/index.ts";
import { GrpcProtocolClient } from "./grpc-client.ts";
import { HttpProtocolClient } from "./http-client.ts";
import type { ProtocolClient } from "./protocol-client.ts";

const logger = createLogger({ level: "error", format: "text", write: () => undefined });
const api = new FakeNodeApi();
const grpcServer = new GrpcTransportServer({ logger, closeGraceMs: 50 });
const httpServer = new HttpTransportServer({ logger });
const clients: Record<string, ProtocolClient> = {};

beforeAll(async () => {
  const grpc = await grpcServer.listen("127.0.0.1", 0, api);
  const http = await httpServer.listen("127.0.0.1", 0, api);
  clients.grpc = new GrpcProtocolClient(`127.0.0.1:${grpc.port}`);
  clients.http = new HttpProtocolClient(`127.0.0.1:${http.port}`);
});
afterAll(async () => {
  for (const client of Object.values(clients)) await client.close();
  await grpcServer.close();
  await httpServer.close();
});

describe.each(["grpc", "http"] as const)("Discover over %s", (protocol) => {
  const discover = () => {
    const client = clients[protocol];
    if (client === undefined) throw new Error("client not ready");
    return client.discover({ timeoutMs: 5_000 });
  };

  test("the answer comes back whole, the instance id with it", async () => {
    api.reset();
    expect(await discover()).toEqual({ ...DISCOVERY, transport: protocol });
  });

  test("an answer without an instance id has none, not an empty one", async () => {
    api.reset();
    const { instanceId: _, ...older } = DISCOVERY;
    api.script.discover = async () => older;
    const info = await discover();
    expect(info.instanceId).toBeUndefined();
    expect(info.address).toBe(DISCOVERY.address);
  });
});
