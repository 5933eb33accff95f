// GET /workflow/list against a fake NodeApi: how the query reaches NodeApi (repeated and
// comma-separated statuses, numbers, the token), the JSON page, and bad input refused with
// 400 before the node is asked.

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { FakeNodeApi, WORKFLOW_LIST } from "../../../test/contracts/fake-node-api.ts";
import { HttpProtocolClient } from "../../client/index.ts";
import { createLogger } from "../../lib/index.ts";
import { encodePageToken } from "../index.ts";
import { HttpTransportServer } from "./http-transport-server.ts";

const api = new FakeNodeApi();
const server = new HttpTransportServer({
  logger: createLogger({ level: "error", format: "text", write: () => undefined }),
});
let base = "";

beforeAll(async () => {
  const { port } = await server.listen("127.0.0.1", 0, api);
  base = `http://127.0.0.1:${port}`;
});

afterEach(() => api.reset());

afterAll(async () => {
  await server.close();
});

async function list(query: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}/workflow/list${query}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("GET /workflow/list", () => {
  test("answers the page in snake_case, with null for what is absent", async () => {
    const { status, body } = await list("");
    expect(status).toBe(200);
    expect(body).toEqual({
      success: true,
      workflows: [
        {
          workflow_id: "order-2",
          execution_cluster_id: "2",
          name: "await_payment",
          version: 1,
          status: "waiting",
          owner_node_id: 1,
          started_at_ms: 1_700_000_000_500,
          finished_at_ms: null,
        },
        {
          workflow_id: "order-1",
          execution_cluster_id: "1",
          name: "await_payment",
          version: 1,
          status: "completed",
          owner_node_id: 2,
          started_at_ms: 1_700_000_000_000,
          finished_at_ms: 1_700_000_000_900,
        },
      ],
      next_page_token: "MS4xNzAwMDAwMDAwMDAwLm9yZGVyLTE",
      unavailable_clusters: [
        { execution_cluster_id: "3", error: "execution cluster 3 has no leader" },
      ],
    });
    expect(api.lastCall("listWorkflows").request).toEqual({});
  });

  test("passes every filter to the node; statuses may repeat or be a comma list", async () => {
    const token = encodePageToken({ startedAtMs: 5, workflowId: "w-1" });
    const query =
      `?status=running,failed&status=sleeping&name=ping_pong&started_after=10` +
      `&started_before=20&page_size=7&page_token=${token}&execution_cluster_id=2`;
    expect((await list(query)).status).toBe(200);
    expect(api.lastCall("listWorkflows").request).toEqual({
      statuses: ["running", "failed", "sleeping"],
      name: "ping_pong",
      startedAfterMs: 10,
      startedBeforeMs: 20,
      pageSize: 7,
      pageToken: token,
      executionClusterId: 2,
    });
  });

  test.each([
    ["?page_size=0", "page_size must be a whole number from 1 to 1000 (default 50), got 0"],
    ["?page_size=5000", "from 1 to 1000"],
    ["?page_size=ten", "page_size must be a whole number"],
    ["?started_after=yesterday", "started_after must be a whole number (epoch milliseconds)"],
    ["?started_before=-5", "started_before must be a whole number"],
    ["?page_token=not-a-token", "page_token is not valid"],
  ])("%s is a 400 naming the field, and the node is not asked", async (query, expected) => {
    const { status, body } = await list(query);
    expect(status).toBe(400);
    expect(body).toMatchObject({ success: false, code: "INVALID_ARGUMENT" });
    expect(String(body.error)).toContain(expected);
    expect(api.calls.filter((call) => call.method === "listWorkflows")).toEqual([]);
  });

  test("the protocol client sends the filters and reads the page back", async () => {
    const protocol = new HttpProtocolClient(base.replace("http://", ""));
    try {
      const request = { statuses: ["running", "waiting"], name: "x", pageSize: 3 };
      expect(await protocol.listWorkflows(request, { timeoutMs: 5_000 })).toEqual(WORKFLOW_LIST);
      expect(api.lastCall("listWorkflows").request).toEqual(request);
    } finally {
      await protocol.close();
    }
  });

  test("POST is refused: the list is a read", async () => {
    const response = await fetch(`${base}/workflow/list`, { method: "POST" });
    expect(response.status).toBe(405);
  });
});
