// WorkflowManagement/ListWorkflows against a fake NodeApi, called with @grpc/grpc-js (its own
// protobufjs reads proto/raftoral.proto): proto defaults become absent fields, the page comes
// back with defaults for absent ones, and bad input is INVALID_ARGUMENT before the node is
// asked. The protocol client's conversion is checked against the same server.

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import { FakeNodeApi, WORKFLOW_LIST } from "../../../test/contracts/fake-node-api.ts";
import { loadDefinition, methodOf, unaryCall } from "../../../test/interop/harness.ts";
import { GrpcProtocolClient } from "../../client/index.ts";
import { createLogger } from "../../lib/index.ts";
import { encodePageToken } from "../index.ts";
import { GrpcTransportServer } from "./grpc-transport-server.ts";

const definition = loadDefinition();
const api = new FakeNodeApi();
const server = new GrpcTransportServer({
  logger: createLogger({ level: "error", format: "text", write: () => undefined }),
  closeGraceMs: 50,
});
let address = "";
let client: grpc.Client;

beforeAll(async () => {
  const { port } = await server.listen("127.0.0.1", 0, api);
  address = `127.0.0.1:${port}`;
  client = new grpc.Client(address, grpc.credentials.createInsecure());
});

afterEach(() => api.reset());

afterAll(async () => {
  client.close();
  await server.close();
});

function listCall(request: object) {
  const method = methodOf(definition, "raftoral.WorkflowManagement", "ListWorkflows");
  return unaryCall<Record<string, unknown>>(client, method, request, {});
}

describe("WorkflowManagement/ListWorkflows", () => {
  test("answers the page; an unset finished_at_ms is 0", async () => {
    const outcome = await listCall({});
    expect(outcome).toMatchObject({
      ok: true,
      response: {
        workflows: [
          {
            workflow_id: "order-2",
            execution_cluster_id: "2",
            status: "waiting",
            finished_at_ms: "0",
          },
          { workflow_id: "order-1", status: "completed", finished_at_ms: "1700000000900" },
        ],
        next_page_token: "MS4xNzAwMDAwMDAwMDAwLm9yZGVyLTE",
        unavailable_clusters: [
          { execution_cluster_id: "3", error: "execution cluster 3 has no leader" },
        ],
      },
    });
    expect(api.lastCall("listWorkflows").request).toEqual({});
  });

  test("set fields reach the node; zero and empty ones are absent", async () => {
    const token = encodePageToken({ startedAtMs: 5, workflowId: "w-1" });
    const request = {
      statuses: ["running", "failed"],
      name: "ping_pong",
      started_after_ms: 10,
      started_before_ms: 20,
      page_size: 7,
      page_token: token,
      execution_cluster_id: "2",
    };
    expect((await listCall(request)).ok).toBe(true);
    expect(api.lastCall("listWorkflows").request).toEqual({
      statuses: ["running", "failed"],
      name: "ping_pong",
      startedAfterMs: 10,
      startedBeforeMs: 20,
      pageSize: 7,
      pageToken: token,
      executionClusterId: 2,
    });
  });

  test.each([
    [
      { page_size: 1_001 },
      "page_size must be a whole number from 1 to 1000 (default 50), got 1001",
    ],
    [{ started_after_ms: -3 }, "started_after must be a time in epoch milliseconds"],
    [{ page_token: "%%%" }, "page_token is not valid"],
  ])("%j is INVALID_ARGUMENT naming the field; the node is not asked", async (request, hint) => {
    const outcome = await listCall(request);
    expect(outcome).toMatchObject({ ok: false, code: grpc.status.INVALID_ARGUMENT });
    expect(outcome.ok ? "" : outcome.details).toContain(hint);
    expect(api.calls.filter((call) => call.method === "listWorkflows")).toEqual([]);
  });

  test("the protocol client reads the page back into NodeApi's shape", async () => {
    const protocol = new GrpcProtocolClient(address);
    try {
      const page = await protocol.listWorkflows(
        { statuses: ["completed"], pageSize: 2 },
        { timeoutMs: 5_000 },
      );
      expect(page).toEqual(WORKFLOW_LIST);
      expect(api.lastCall("listWorkflows").request).toEqual({
        statuses: ["completed"],
        pageSize: 2,
      });
    } finally {
      await protocol.close();
    }
  });
});
