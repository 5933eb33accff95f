// POST /workflow/run, the one-request run (start, then wait for the result), against a fake
// NodeApi: what NodeApi receives, the answers with the workflow's ids, the timeout's rules,
// the abort on disconnect, and HttpProtocolClient.runWorkflow going through it.

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { FakeNodeApi, untilAborted, waitUntil } from "../../../test/contracts/fake-node-api.ts";
import { HttpProtocolClient } from "../../client/http-client.ts";
import { createLogger, groupId, RaftoralError } from "../../lib/index.ts";
import { TRACEPARENT_HEADER, traceparentOf } from "../index.ts";
import { HttpTransportServer } from "./http-transport-server.ts";

const logger = createLogger({ level: "error", format: "text", write: () => undefined });
const api = new FakeNodeApi();
const server = new HttpTransportServer({ logger });
let address = "";

beforeAll(async () => {
  address = `127.0.0.1:${(await server.listen("127.0.0.1", 0, api)).port}`;
});
afterEach(() => api.reset());
afterAll(() => server.close());

const START = { name: "ping_pong", version: 1, input: '"ping"' };
const STARTED_ID = "550e8400-e29b-41d4-a716-446655440000";

function run(body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(`http://${address}/workflow/run`, {
    method: "POST",
    headers: { "content-type": "application/json", ...init.headers },
    body: JSON.stringify(body),
    ...(init.signal === undefined ? {} : { signal: init.signal }),
  });
}

async function answer(response: Promise<Response>): Promise<{ status: number; body: unknown }> {
  const settled = await response;
  return { status: settled.status, body: await settled.json() };
}

describe("POST /workflow/run", () => {
  test("starts the workflow, waits for it and answers its ids and result", async () => {
    expect(await answer(run(START))).toEqual({
      status: 200,
      body: {
        workflow_id: STARTED_ID,
        execution_cluster_id: "1",
        success: true,
        result: '"pong"',
        error: null,
      },
    });
    expect(api.lastCall("startWorkflow").request).toEqual({
      workflowType: "ping_pong",
      version: 1,
      input: "ping",
    });
    expect(api.lastCall("waitWorkflow").request).toEqual({
      workflowId: STARTED_ID,
      executionClusterId: 1,
      timeoutSeconds: 30,
    });
  });

  test("a workflow that failed is a 200 with success false, its error and its ids", async () => {
    api.script.startWorkflow = async () => ({
      workflowId: "w-7",
      executionClusterId: groupId(3),
      alreadyStarted: false,
    });
    api.script.waitWorkflow = async () => ({
      success: false,
      failure: { name: "Error", message: "ping must be ping" },
    });
    expect(await answer(run(START))).toEqual({
      status: 200,
      body: {
        workflow_id: "w-7",
        execution_cluster_id: "3",
        success: false,
        result: null,
        error: "ping must be ping",
        error_name: "Error",
      },
    });
  });

  test.each([
    [5, 5],
    ["7", 7],
    [0, 30],
    [3600, 3600],
  ])("timeout_seconds %p waits %p s", async (given, timeoutSeconds) => {
    expect((await run({ ...START, timeout_seconds: given })).status).toBe(200);
    expect(api.lastCall("waitWorkflow").request).toMatchObject({ timeoutSeconds });
  });

  test.each([
    [-1, "timeout_seconds must be a whole number of seconds, e.g. 30 (got '-1')"],
    [1.5, "timeout_seconds must be a whole number of seconds, e.g. 30 (got '1.5')"],
    ["soon", "timeout_seconds must be a whole number of seconds, e.g. 30 (got 'soon')"],
    [true, "field 'timeout_seconds' must be a whole number of seconds, e.g. 30 (got true)"],
    [3601, "timeout_seconds must be at most 3600 (got 3601); wait again if the workflow is"],
    [999_999_999_999, "timeout_seconds must be at most 3600 (got 999999999999); wait again"],
    ["99999999999999999999", "timeout_seconds must be at most 3600 (got 99999999999999999999)"],
  ])("timeout_seconds %p is a 400 before anything starts", async (given, message) => {
    const { status, body } = await answer(run({ ...START, timeout_seconds: given }));
    expect(status).toBe(400);
    expect((body as { error: string }).error).toStartWith(message);
    expect(api.callsOf("startWorkflow")).toHaveLength(0);
  });

  test("a start that fails answers its error, and nothing waits", async () => {
    api.script.startWorkflow = async () => {
      throw new RaftoralError("NOT_FOUND", "workflow nope v1 is not registered on this node");
    };
    expect(await answer(run({ ...START, name: "nope" }))).toEqual({
      status: 404,
      body: {
        workflow_id: null,
        execution_cluster_id: null,
        result: null,
        success: false,
        error: "workflow nope v1 is not registered on this node",
        code: "NOT_FOUND",
      },
    });
    expect(api.callsOf("waitWorkflow")).toHaveLength(0);
  });

  test("a wait that times out names the workflow it started, to wait for again", async () => {
    const message = `workflow ${STARTED_ID} did not finish within 1000 ms; it is still running`;
    api.script.waitWorkflow = async () => {
      throw new RaftoralError("TIMEOUT", message);
    };
    expect(await answer(run({ ...START, timeout_seconds: 1 }))).toEqual({
      status: 504,
      body: {
        workflow_id: STARTED_ID,
        execution_cluster_id: "1",
        result: null,
        success: false,
        error: message,
        code: "TIMEOUT",
      },
    });
  });

  test("the traceparent header puts the workflow into the caller's trace", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const headers = { [TRACEPARENT_HEADER]: traceparentOf(traceId) };
    expect((await run(START, { headers })).status).toBe(200);
    expect(api.lastCall("startWorkflow").request).toMatchObject({ traceId });
  });

  test("a client that disconnects aborts the wait; the node keeps serving", async () => {
    api.script.waitWorkflow = untilAborted();
    const controller = new AbortController();
    const pending = run(START, { signal: controller.signal });
    await waitUntil(() => api.callsOf("waitWorkflow").length === 1, "the wait to reach NodeApi");
    controller.abort();
    await expect(pending).rejects.toThrow();
    const signal = api.lastCall("waitWorkflow").signal;
    await waitUntil(() => signal?.aborted === true, "the server to abort the wait");
    expect((await fetch(`http://${address}/health`)).status).toBe(200);
  });
});

describe("HttpProtocolClient.runWorkflow", () => {
  test("runs in one request, waiting as long as the call's timeout allows", async () => {
    const client = new HttpProtocolClient(address);
    const outcome = await client.runWorkflow(
      { workflowType: "ping_pong", version: 1, input: "ping", workflowId: "order-1" },
      { timeoutMs: 4_500 },
    );
    expect(outcome).toEqual({ success: true, output: "pong" });
    expect(api.calls.map((call) => call.method)).toEqual(["startWorkflow", "waitWorkflow"]);
    // One request: both NodeApi calls hang on the same request's abort signal.
    expect(api.lastCall("waitWorkflow").signal).toBe(api.lastCall("startWorkflow").signal);
    expect(api.lastCall("startWorkflow").request).toMatchObject({ workflowId: "order-1" });
    expect(api.lastCall("waitWorkflow").request).toMatchObject({ timeoutSeconds: 5 });
    await client.runWorkflow(
      { workflowType: "ping_pong", version: 1, input: "ping" },
      { timeoutMs: 10_000_000 },
    );
    // Never past what the node takes: the call's own timeout still ends it.
    expect(api.lastCall("waitWorkflow").request).toMatchObject({ timeoutSeconds: 3600 });
  });

  test("a timed-out run is the node's TIMEOUT error, naming the workflow", async () => {
    api.script.waitWorkflow = async () => {
      throw new RaftoralError("TIMEOUT", `workflow ${STARTED_ID} did not finish within 1000 ms`);
    };
    const client = new HttpProtocolClient(address);
    const run = client.runWorkflow(
      { workflowType: "ping_pong", version: 1, input: "ping" },
      { timeoutMs: 1_000 },
    );
    await expect(run).rejects.toThrow(`workflow ${STARTED_ID} did not finish within 1000 ms`);
  });
});
