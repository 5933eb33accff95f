// An HTTP client pointed at a gRPC node's port: the port answers plain HTTP/1.1 with a 400
// that no Raftoral HTTP API gives (it has no error code). The client must not take it for the
// node's refusal of the call, but say that the node speaks gRPC (TransportMismatchError, which
// the command line turns into exit status 2 and "use --transport grpc"), for every kind of call.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { FakeNodeApi } from "../../test/contracts/fake-node-api.ts";
import { createLogger } from "../lib/index.ts";
import { GrpcTransportServer } from "../transport/grpc/index.ts";
import { TransportMismatchError } from "./client-errors.ts";
import { RaftoralClient } from "./raftoral-client.ts";

const logger = createLogger({ level: "error", format: "text", write: () => undefined });
const api = new FakeNodeApi();
const server = new GrpcTransportServer({ logger, closeGraceMs: 50 });
let client: RaftoralClient;

beforeAll(async () => {
  const { port } = await server.listen("127.0.0.1", 0, api);
  client = new RaftoralClient(`http://127.0.0.1:${port}`);
});
afterAll(async () => {
  await client.close();
  await server.close();
});

const CALLS: readonly [string, () => Promise<unknown>][] = [
  ["describe", () => client.describe("w-1")],
  ["list", () => client.list({})],
  ["signal", () => client.signal("w-1", "paid", null)],
  ["cancel", () => client.cancel("w-1")],
  ["start", () => client.start("ping_pong", "ping")],
  ["status", () => client.status()],
];

test.each(CALLS)("%s says the node speaks gRPC", async (_, call) => {
  const error = await call().catch((caught) => caught);
  expect(error).toBeInstanceOf(TransportMismatchError);
  expect((error as Error).message).toContain("speaks gRPC, not HTTP");
  // The plain-HTTP answer took no call to the node's API (its GET /health and the gRPC probe
  // aside).
  const made = api.calls.map((call) => call.method);
  expect(made.filter((method) => method !== "health" && method !== "discover")).toEqual([]);
});
