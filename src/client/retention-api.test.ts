// The cluster retention call over both protocols: our clients against the real HTTP and gRPC
// servers in front of a fake NodeApi. What the node receives must say which fields the
// caller set, 0 included (a duration of 0 is a real value: no limit, no floor).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { FakeNodeApi } from "../../test/contracts/fake-node-api.ts";
import { createLogger } from "../lib/index.ts";
import { GrpcTransportServer } from "../transport/grpc/index.ts";
import { HttpTransportServer } from "../transport/http/index.ts";
import type { RetentionRequest } from "../transport/index.ts";
import { GrpcProtocolClient } from "./grpc-client.ts";
import { HttpProtocolClient } from "./http-client.ts";
import type { OperatorProtocolClient } from "./protocol-client.ts";

const logger = createLogger({ level: "error", format: "text", write: () => undefined });
const api = new FakeNodeApi();
const grpcServer = new GrpcTransportServer({ logger, closeGraceMs: 50 });
const httpServer = new HttpTransportServer({ logger });
const clients: Record<string, OperatorProtocolClient> = {};

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

const CASES: readonly [string, RetentionRequest][] = [
  ["nothing (a read)", {}],
  ["the count only", { finishedMax: 25 }],
  ["durations of 0", { retainForMs: 0, retainAtLeastMs: 0 }],
  ["every field", { finishedMax: 3, retainForMs: 86_400_000, retainAtLeastMs: 60_000 }],
];

describe.each(["grpc", "http"])("cluster retention over %s", (protocol) => {
  test.each(CASES)("the node receives %s, and the answer comes back whole", async (_, request) => {
    api.reset();
    const client = clients[protocol];
    if (client === undefined) throw new Error("client not ready");
    const info = await client.clusterRetention(request, { timeoutMs: 5_000 });
    expect(api.lastCall("clusterRetention").request).toEqual(request);
    expect(info).toEqual({
      retention: { finishedMax: 10_000, retainForMs: 0, retainAtLeastMs: 3_600_000, ...request },
      isSet: true,
    });
  });
});
