// Every QUICKSTART HTTP endpoint against a fake NodeApi: what NodeApi receives, the exact
// JSON that comes back, how NodeApi's typed errors become statuses, the abort on disconnect,
// and the listener's own behaviour (address in use, close).

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { FakeNodeApi, untilAborted, waitUntil } from "../../../test/contracts/fake-node-api.ts";
import { numberedBatch } from "../../../test/contracts/transport-fixtures.ts";
import { createLogger, type ErrorCode, groupId, nodeId, RaftoralError } from "../../lib/index.ts";
import { batchToJson } from "../index.ts";
import { HttpTransportServer } from "./http-transport-server.ts";

const logLines: string[] = [];
const logger = createLogger({
  level: "warn",
  format: "text",
  write: (line) => logLines.push(line),
});
const api = new FakeNodeApi();
const server = new HttpTransportServer({ logger });
let base = "";

beforeAll(async () => {
  const { port } = await server.listen("127.0.0.1", 0, api);
  base = `http://127.0.0.1:${port}`;
});

afterEach(() => {
  api.reset();
  logLines.length = 0;
});

afterAll(async () => {
  await server.close();
});

function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function answer(response: Promise<Response>): Promise<{ status: number; body: unknown }> {
  const settled = await response;
  expect(settled.headers.get("content-type")).toStartWith("application/json");
  return { status: settled.status, body: await settled.json() };
}

const QUICKSTART_START = { name: "ping_pong", version: 1, input: '"ping"' };

describe("POST /workflow/execute", () => {
  test("starts the workflow and answers with the QUICKSTART's fields", async () => {
    const { status, body } = await answer(post("/workflow/execute", QUICKSTART_START));
    expect(status).toBe(200);
    expect(JSON.stringify(body)).toBe(
      JSON.stringify({
        workflow_id: "550e8400-e29b-41d4-a716-446655440000",
        success: true,
        execution_cluster_id: "1",
        result: null,
        error: null,
      }),
    );
    const call = api.lastCall("startWorkflow");
    expect(call.request).toEqual({ workflowType: "ping_pong", version: 1, input: "ping" });
    expect(call.signal).toBeInstanceOf(AbortSignal);
  });

  test.each([
    [{ a: [1, "x"] }, { a: [1, "x"] }],
    [42, 42],
    [null, null],
    [true, true],
    ['{"already":"json"}', { already: "json" }],
  ])("input %p reaches NodeApi as the value %p", async (input, value) => {
    expect((await post("/workflow/execute", { ...QUICKSTART_START, input })).status).toBe(200);
    expect(api.lastCall("startWorkflow").request).toMatchObject({ input: value });
  });

  test("workflow_id reaches NodeApi as the caller's id; a non-string one is a 400", async () => {
    const body = { ...QUICKSTART_START, workflow_id: "order-1" };
    expect((await post("/workflow/execute", body)).status).toBe(200);
    expect(api.lastCall("startWorkflow").request).toMatchObject({ workflowId: "order-1" });
    const { status, body: refused } = await answer(
      post("/workflow/execute", { ...QUICKSTART_START, workflow_id: 7 }),
    );
    expect(status).toBe(400);
    expect(JSON.stringify(refused)).toContain("field 'workflow_id' must be a string");
  });

  test("a wait without execution_cluster_id leaves finding the cluster to the node", async () => {
    expect((await fetch(`${base}/workflow/wait?workflow_id=order-1`)).status).toBe(200);
    expect(api.lastCall("waitWorkflow").request).toEqual({
      workflowId: "order-1",
      timeoutSeconds: 30,
    });
  });

  test("a large execution cluster id is sent as its decimal text", async () => {
    api.script.startWorkflow = async () => ({
      workflowId: "w",
      executionClusterId: groupId(123),
      alreadyStarted: false,
    });
    const { body } = await answer(post("/workflow/execute", QUICKSTART_START));
    expect(body).toMatchObject({ workflow_id: "w", execution_cluster_id: "123" });
  });
});

describe("GET /workflow/describe", () => {
  test("answers the workflow's record with JSON values as text; the cluster id is optional", async () => {
    const { status, body } = await answer(fetch(`${base}/workflow/describe?workflow_id=order-1`));
    expect(status).toBe(200);
    expect(body).toMatchObject({
      success: true,
      workflow_id: "order-1",
      execution_cluster_id: "1",
      status: "waiting",
      input: '{"order":"A-7"}',
      owner_node_id: 2,
      finished_at_ms: null,
      result: null,
      waiting_for: "paid",
      waiting_for_child: "order-1:3",
      held: "paid_order@1 is not registered on the node that answered",
      checkpoints: [{ seq: 0, kind: "event-wait", name: "paid", error: null }],
    });
    expect(api.lastCall("describeWorkflow").request).toEqual({ workflowId: "order-1" });
    await fetch(`${base}/workflow/describe?workflow_id=w&execution_cluster_id=3`);
    expect(api.lastCall("describeWorkflow").request).toEqual({
      workflowId: "w",
      executionClusterId: 3,
    });
  });

  test("a failure carries the describe's own fields as null, and no other route's", async () => {
    const { status, body } = await answer(fetch(`${base}/workflow/describe`));
    expect(status).toBe(400);
    expect(Object.keys(body as object).sort()).toEqual(
      ["code", "error", "execution_cluster_id", "status", "success", "workflow_id"].sort(),
    );
  });
});

describe("POST /workflow/signal", () => {
  test("sends the event and answers where it went; the payload follows the input's rules", async () => {
    const body = { workflow_id: "order-1", name: "paid", payload: { amount: 12 }, event_id: "p-1" };
    const { status, body: answered } = await answer(post("/workflow/signal", body));
    expect(status).toBe(200);
    expect(answered).toEqual({
      success: true,
      workflow_id: "order-1",
      execution_cluster_id: "1",
      event_id: "p-1",
      duplicate: false,
      error: null,
    });
    expect(api.lastCall("signalWorkflow").request).toEqual({
      workflowId: "order-1",
      name: "paid",
      payload: { amount: 12 },
      eventId: "p-1",
    });
    await post("/workflow/signal", { workflow_id: "w", name: "n", execution_cluster_id: 2 });
    expect(api.lastCall("signalWorkflow").request).toEqual({
      workflowId: "w",
      name: "n",
      payload: null,
      executionClusterId: 2,
    });
  });

  test.each([
    [{ name: "paid" }, "'workflow_id'"],
    [{ workflow_id: "w" }, "'name'"],
    [{ workflow_id: "w", name: "n", payload: "not json" }, "field 'payload' must be JSON text"],
    [{ workflow_id: "w", name: "n", event_id: 5 }, "field 'event_id' must be a string"],
  ])("%j is a 400 naming %s", async (body, hint) => {
    const { status, body: answered } = await answer(post("/workflow/signal", body));
    expect(status).toBe(400);
    expect(JSON.stringify(answered)).toContain(hint);
    expect(api.callsOf("signalWorkflow")).toEqual([]);
  });
});

describe("GET /workflow/wait", () => {
  const query = "workflow_id=abc-123&execution_cluster_id=1&timeout_seconds=30";

  test("waits and answers {success, result, error} with the output as JSON text", async () => {
    const { status, body } = await answer(fetch(`${base}/workflow/wait?${query}`));
    expect(status).toBe(200);
    expect(JSON.stringify(body)).toBe(
      JSON.stringify({ success: true, result: '"pong"', error: null }),
    );
    expect(api.lastCall("waitWorkflow").request).toEqual({
      workflowId: "abc-123",
      executionClusterId: 1,
      timeoutSeconds: 30,
    });
  });

  test("a workflow that failed is a 200 with success false and its error", async () => {
    api.script.waitWorkflow = async () => ({
      success: false,
      failure: { name: "Error", message: "ping must be ping" },
    });
    const { status, body } = await answer(fetch(`${base}/workflow/wait?${query}`));
    expect({ status, body }).toEqual({
      status: 200,
      body: { success: false, result: null, error: "ping must be ping", error_name: "Error" },
    });
  });

  test.each([
    ["", 30],
    ["&timeout_seconds=0", 30],
    ["&timeout_seconds=", 30],
    ["&timeout_seconds=3600", 3600],
  ])("timeout_seconds%s waits %p s", async (extra, timeoutSeconds) => {
    const url = `${base}/workflow/wait?workflow_id=w&execution_cluster_id=2${extra}`;
    expect((await fetch(url)).status).toBe(200);
    expect(api.lastCall("waitWorkflow").request).toMatchObject({ timeoutSeconds });
  });

  test("a client that disconnects aborts the NodeApi call", async () => {
    api.script.waitWorkflow = untilAborted();
    const controller = new AbortController();
    const pending = fetch(`${base}/workflow/wait?${query}`, { signal: controller.signal });
    await waitUntil(() => api.callsOf("waitWorkflow").length === 1, "the wait to reach NodeApi");
    controller.abort();
    await expect(pending).rejects.toThrow();
    const signal = api.lastCall("waitWorkflow").signal;
    await waitUntil(() => signal?.aborted === true, "the server to abort the wait");
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });
});

describe("peer and cluster routes", () => {
  test("POST /raft/message hands the decoded batch to NodeApi and answers {success: true}", async () => {
    const batch = numberedBatch(3, 9);
    const response = await fetch(`${base}/raft/message`, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: batchToJson(batch),
    });
    expect(await answer(Promise.resolve(response))).toEqual({
      status: 200,
      body: { success: true },
    });
    expect(api.batches).toEqual([batch]);
  });

  test("POST /discovery/register without node_id asks for a new id", async () => {
    const { status, body } = await answer(
      post("/discovery/register", { address: "127.0.0.1:7002" }),
    );
    expect(status).toBe(200);
    expect(JSON.stringify(body)).toBe(JSON.stringify({ success: true, node_id: 4, error: null }));
    expect(api.lastCall("register").request).toEqual({ nodeId: 0, address: "127.0.0.1:7002" });
  });

  test("POST /discovery/register with node_id keeps it", async () => {
    const { body } = await answer(post("/discovery/register", { node_id: 9, address: "h:1" }));
    expect(body).toEqual({ success: true, node_id: 9, error: null });
    expect(api.lastCall("register").request).toEqual({ nodeId: 9, address: "h:1" });
  });

  test("POST /discovery/register passes the joining build's rules version on", async () => {
    await answer(post("/discovery/register", { address: "h:1", rules_version: 1 }));
    expect(api.lastCall("register").request).toEqual({
      nodeId: 0,
      address: "h:1",
      rulesVersion: 1,
    });
    const { status } = await answer(
      post("/discovery/register", { address: "h:1", rules_version: -1 }),
    );
    expect(status).toBe(400);
  });

  test("POST /discovery/register passes the joining node's security profile on", async () => {
    const profile = "mtls=0;client=-;admin=-";
    await answer(post("/discovery/register", { address: "h:1", security_profile: profile }));
    expect(api.lastCall("register").request).toMatchObject({ securityProfile: profile });
    await answer(post("/discovery/register", { address: "h:1", security_profile: "" }));
    expect(api.lastCall("register").request).not.toHaveProperty("securityProfile");
    const { status } = await answer(
      post("/discovery/register", { address: "h:1", security_profile: 7 }),
    );
    expect(status).toBe(400);
  });

  test("GET /discovery/peers uses the QUICKSTART's field names, plus transport and instance_id", async () => {
    const { status, body } = await answer(fetch(`${base}/discovery/peers`));
    expect(status).toBe(200);
    expect(JSON.stringify(body)).toBe(
      JSON.stringify({
        node_id: 1,
        highest_known_node_id: 3,
        address: "127.0.0.1:7001",
        management_leader_node_id: 2,
        management_leader_address: "127.0.0.1:7002",
        should_join_as_voter: true,
        current_voter_count: 3,
        max_voters: 5,
        transport: "http",
        fault_tolerance: 1,
        instance_id: "5f3a9c01",
      }),
    );
  });

  test("GET /health answers {status, node_id, is_leader}", async () => {
    const { status, body } = await answer(fetch(`${base}/health`));
    expect(status).toBe(200);
    expect(JSON.stringify(body)).toBe(
      JSON.stringify({ status: "ok", node_id: 1, is_leader: true }),
    );
  });

  test("GET /health of a node that is not up is a 503 with the same body", async () => {
    api.script.health = () => ({ status: "starting", nodeId: nodeId(2), isLeader: false });
    const { status, body } = await answer(fetch(`${base}/health`));
    expect({ status, body }).toEqual({
      status: 503,
      body: { status: "starting", node_id: 2, is_leader: false },
    });
  });
});

describe("operator routes", () => {
  test("GET /cluster/health lists every node's probe with snake_case fields", async () => {
    const { status, body } = await answer(fetch(`${base}/cluster/health`));
    expect({ status, body }).toEqual({
      status: 200,
      body: {
        nodes: [
          { node_id: 1, address: "127.0.0.1:7001", status: "ok", reason: null, latency_ms: 1 },
          {
            node_id: 2,
            address: "127.0.0.1:7002",
            status: "unreachable",
            reason: null,
            latency_ms: null,
          },
        ],
      },
    });
  });

  test("GET /health?verbose adds each hosted group's view, with the same status code", async () => {
    const { status, body } = await answer(fetch(`${base}/health?verbose`));
    expect({ status, body }).toEqual({
      status: 503,
      body: {
        status: "unavailable",
        node_id: 1,
        is_leader: false,
        reason: "group 1 has had no leader for 12 s",
        groups: [
          {
            cluster_id: 1,
            role: "follower",
            leader_node_id: 0,
            term: 7,
            commit_index: 40,
            applied_index: 40,
            unapplied_entries: 0,
            leaderless_ms: 12_000,
            fault_tolerance: null,
          },
        ],
      },
    });
    expect(api.callsOf("health")).toHaveLength(0);
  });

  test("GET /metrics is the exposition text; GET /ui the console page, locked to this node", async () => {
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(await metrics.text()).toContain("raftoral_fake_total 1");
    const page = await fetch(`${base}/ui`);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toContain("connect-src 'self'");
    const html = await page.text();
    expect(html).toContain("<title>Raftoral console</title>");
    // An inline empty icon, which the policy allows: browsers do not ask for /favicon.ico.
    expect(html).toContain('<link rel="icon" href="data:,">');
    expect(page.headers.get("content-security-policy")).toContain("img-src 'self' data:");
    const slash = await fetch(`${base}/ui/`, { redirect: "manual" });
    expect(slash.status).toBe(301);
    expect(slash.headers.get("location")).toBe("/ui");
  });
});

describe("NodeApi errors", () => {
  const cases: [ErrorCode, number][] = [
    ["INVALID_ARGUMENT", 400],
    ["NOT_FOUND", 404],
    ["UNKNOWN_GROUP", 404],
    ["ALREADY_EXISTS", 409],
    ["RESOURCE_EXHAUSTED", 429],
    ["UNSUPPORTED_MEDIA_TYPE", 415],
    ["TIMEOUT", 504],
    ["NOT_LEADER", 503],
    ["NO_LEADER", 503],
    ["UNAVAILABLE", 503],
    ["SHUTTING_DOWN", 503],
    ["PROPOSAL_DROPPED", 503],
  ];

  test.each(cases)("%s becomes HTTP %d with the message and code", async (code, status) => {
    const message = `workflow ping_pong v9: ${code}; do the documented thing`;
    api.script.startWorkflow = async () => {
      throw new RaftoralError(code, message);
    };
    const reply = await answer(post("/workflow/execute", QUICKSTART_START));
    expect(reply).toEqual({
      status,
      body: {
        workflow_id: null,
        execution_cluster_id: null,
        result: null,
        success: false,
        error: message,
        code,
      },
    });
  });

  test("an unexpected error is a 500 with a safe message, logged in full", async () => {
    api.script.register = async () => {
      throw new Error("disk at /var/lib/secret is on fire");
    };
    const reply = await answer(post("/discovery/register", { address: "h:1" }));
    expect(reply).toEqual({
      status: 500,
      body: {
        node_id: null,
        success: false,
        error: "internal error; see the server log",
        code: "INTERNAL",
      },
    });
    expect(logLines.join("\n")).toContain("disk at /var/lib/secret is on fire");
  });

  test("a typed error from receivePeerBatch keeps its status and code", async () => {
    api.script.receivePeerBatch = () => {
      throw new RaftoralError("UNKNOWN_GROUP", "group 9 is not hosted here");
    };
    const response = await fetch(`${base}/raft/message`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: batchToJson(numberedBatch(1, 1)),
    });
    expect(await answer(Promise.resolve(response))).toEqual({
      status: 404,
      body: { success: false, error: "group 9 is not hosted here", code: "UNKNOWN_GROUP" },
    });
  });
});

describe("the listener", () => {
  test("a port in use fails with 'Address already in use'", async () => {
    const second = new HttpTransportServer({ logger });
    const port = Number(new URL(base).port);
    const error = await second.listen("127.0.0.1", port, api).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(RaftoralError);
    expect((error as Error).message).toContain("Address already in use");
    await second.close();
  });

  test("close() stops serving and aborts requests in flight", async () => {
    const own = new FakeNodeApi();
    own.script.waitWorkflow = untilAborted();
    const closing = new HttpTransportServer({ logger });
    const { port } = await closing.listen("127.0.0.1", 0, own);
    const pending = fetch(
      `http://127.0.0.1:${port}/workflow/wait?workflow_id=w&execution_cluster_id=1`,
    )
      .then((response) => response.status)
      .catch(() => "failed");
    await waitUntil(() => own.callsOf("waitWorkflow").length === 1, "the wait to start");
    await closing.close();
    const signal = own.lastCall("waitWorkflow").signal;
    await waitUntil(() => signal?.aborted === true, "the wait to be aborted");
    expect(await pending).toBe("failed");
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  });
});
