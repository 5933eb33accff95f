// GET /cluster/status and POST /node/leave against a fake NodeApi: the exact JSON, what
// NodeApi receives, and how its typed errors become statuses.

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { FakeNodeApi } from "../../../test/contracts/fake-node-api.ts";
import { createLogger, RaftoralError } from "../../lib/index.ts";
import { HttpTransportServer } from "./http-transport-server.ts";

const logger = createLogger({ level: "error", format: "text", write: () => undefined });
const api = new FakeNodeApi();
const server = new HttpTransportServer({ logger });
let base = "";

beforeAll(async () => {
  const { port } = await server.listen("127.0.0.1", 0, api);
  base = `http://127.0.0.1:${port}`;
});
afterEach(() => api.reset());
afterAll(async () => {
  await server.close();
});

async function answer(path: string, method = "GET"): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${base}${path}`, { method });
  expect(response.headers.get("content-type")).toStartWith("application/json");
  return { status: response.status, body: await response.json() };
}

describe("GET /cluster/status", () => {
  test("answers nodes and execution clusters in snake_case, group ids as decimal text", async () => {
    const { status, body } = await answer("/cluster/status");
    expect(status).toBe(200);
    expect(body).toEqual({
      cluster_id: "5e1f6a52-0000-4000-8000-000000000001",
      transport: "http",
      node_id: 1,
      management_leader_node_id: 2,
      nodes: [
        {
          node_id: 1,
          address: "127.0.0.1:7001",
          management_role: "voter",
          is_management_leader: false,
        },
        {
          node_id: 2,
          address: "127.0.0.1:7002",
          management_role: "voter",
          is_management_leader: true,
        },
        {
          node_id: 6,
          address: "127.0.0.1:7006",
          management_role: "learner",
          is_management_leader: false,
        },
      ],
      execution_clusters: [
        {
          execution_cluster_id: "1",
          members: [1, 2, 6],
          voters: [1, 2],
          learners: [6],
          draining: false,
          running_workflows: 4,
          leader_node_id: 2,
          config_index: 17,
          fault_tolerance: 0,
          leaderless_ms: 0,
        },
      ],
      management_fault_tolerance: 1,
      fault_tolerance: 0,
      lost_node_ids: [4],
      management_voter_ids: [1, 2],
    });
    expect(api.callsOf("clusterStatus")).toHaveLength(1);
  });

  test("a node that has not joined answers 503 UNAVAILABLE; POST is 405", async () => {
    api.script.clusterStatus = async () => {
      throw new RaftoralError("UNAVAILABLE", "this node has not joined a cluster yet");
    };
    const { status, body } = await answer("/cluster/status");
    expect(status).toBe(503);
    expect(body).toMatchObject({ success: false, code: "UNAVAILABLE" });
    expect((await answer("/cluster/status", "POST")).status).toBe(405);
  });
});

describe("POST /node/leave", () => {
  test("needs no body and answers the node id that left", async () => {
    const { status, body } = await answer("/node/leave", "POST");
    expect(status).toBe(200);
    expect(body).toEqual({ success: true, node_id: 1, error: null });
    expect(api.lastCall("leave").signal).toBeInstanceOf(AbortSignal);
  });

  test("refusals keep their code and carry node_id null; GET is 405", async () => {
    api.script.leave = async () => {
      throw new RaftoralError("FAILED_PRECONDITION", "node 1 is the only node of the cluster");
    };
    const { status, body } = await answer("/node/leave", "POST");
    expect(status).toBe(409);
    expect(body).toEqual({
      node_id: null,
      success: false,
      error: "node 1 is the only node of the cluster",
      code: "FAILED_PRECONDITION",
    });
    expect((await answer("/node/leave")).status).toBe(405);
  });
});
