// Requests a client should not send: malformed or mistyped JSON, missing fields, wrong media
// types, bodies over the limits (declared and streamed), unknown routes and methods. Each
// gets the right status, a JSON body saying what to fix, and the server keeps serving.

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { FakeNodeApi } from "../../../test/contracts/fake-node-api.ts";
import { numberedBatch } from "../../../test/contracts/transport-fixtures.ts";
import { createLogger } from "../../lib/index.ts";
import { batchToJson } from "../index.ts";
import { HttpTransportServer } from "./http-transport-server.ts";

const logLines: string[] = [];
const logger = createLogger({
  level: "warn",
  format: "text",
  write: (line) => logLines.push(line),
});
const api = new FakeNodeApi();
/** Small limits, so "too large" needs no megabytes. */
const server = new HttpTransportServer({
  logger,
  clientBodyBytesMax: 1024,
  peerBodyBytesMax: 4096,
});
let port = 0;
let base = "";

beforeAll(async () => {
  ({ port } = await server.listen("127.0.0.1", 0, api));
  base = `http://127.0.0.1:${port}`;
});

afterEach(async () => {
  // Whatever the last request was, the server still answers, and nothing was logged as a bug.
  expect((await fetch(`${base}/health`)).status).toBe(200);
  expect(logLines).toEqual([]);
  api.reset();
});

afterAll(async () => {
  await server.close();
});

interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

async function send(path: string, init: RequestInit): Promise<Reply> {
  const response = await fetch(`${base}${path}`, init);
  expect(response.headers.get("content-type")).toStartWith("application/json");
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function postText(path: string, body: string, contentType = "application/json"): Promise<Reply> {
  return send(path, { method: "POST", headers: { "content-type": contentType }, body });
}

/** The reply must be `status` with `code`, and its error text must contain each hint. */
function expectError(reply: Reply, status: number, code: string, ...hints: string[]): void {
  expect({ status: reply.status, success: reply.body.success, code: reply.body.code }).toEqual({
    status,
    success: false,
    code,
  });
  for (const hint of hints) expect(String(reply.body.error)).toContain(hint);
}

/** Sends `text` on a fresh connection and returns everything the server sent back. */
function rawRequest(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const received: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => resolve(Buffer.concat(received).toString("utf8")));
    socket.write(text);
  });
}

describe("JSON syntax", () => {
  test.each([
    ["/workflow/execute", "{not json"],
    ["/discovery/register", '{"address": "h:1"'],
    ["/raft/message", "[".repeat(100_000).slice(0, 4000)],
    ["/workflow/execute", ""],
  ])("%s with malformed JSON is a 400", async (path, body) => {
    expectError(await postText(path, body), 400, "INVALID_ARGUMENT", "not valid JSON");
  });

  test("an error on a workflow route keeps the QUICKSTART's fields, as null", async () => {
    const reply = await postText("/workflow/execute", "{not json");
    expect(reply.body).toMatchObject({
      workflow_id: null,
      execution_cluster_id: null,
      result: null,
    });
  });
});

describe("workflow fields", () => {
  test.each([
    [[1, 2], "JSON object"],
    ["ping", "JSON object"],
    [{ version: 1, input: "1" }, "'name'"],
    [{ name: 7, version: 1, input: "1" }, "'name'"],
    [{ name: "", version: 1, input: "1" }, "'name'"],
    [{ name: "p", input: "1" }, "'version'"],
    [{ name: "p", version: "1", input: "1" }, "'version'"],
    [{ name: "p", version: -1, input: "1" }, "'version'"],
    [{ name: "p", version: 1.5, input: "1" }, "'version'"],
    [{ name: "p", version: 2 ** 32, input: "1" }, "'version'"],
    [{ name: "p", version: 1 }, "'input' is missing"],
    [
      { name: "p", version: 1, input: "ping" },
      'quote it inside the text, e.g. "input": "\\"ping\\""',
    ],
    [{ name: "p", version: 1, input: JSON.parse(`${"[".repeat(66)}${"]".repeat(66)}`) }, "deeper"],
  ])("POST /workflow/execute %j is a 400 naming %s", async (body, hint) => {
    const reply = await postText("/workflow/execute", JSON.stringify(body));
    expectError(reply, 400, "INVALID_ARGUMENT", hint);
    expect(api.callsOf("startWorkflow")).toEqual([]);
  });

  test("a signal's payload that is not JSON text gets the hint in its own field's name", async () => {
    const body = { workflow_id: "w", name: "go", payload: "ping" };
    const reply = await postText("/workflow/signal", JSON.stringify(body));
    expectError(reply, 400, "INVALID_ARGUMENT", 'e.g. "payload": "\\"ping\\""');
  });
});

describe("register and wait fields", () => {
  test.each([
    [{}, "'address'"],
    [{ address: 5 }, "'address'"],
    [{ address: "h:1", node_id: "3" }, "'node_id'"],
    [{ address: "h:1", node_id: -3 }, "'node_id'"],
    [{ address: "h:1", node_id: 2 ** 53 }, "'node_id'"],
  ])("POST /discovery/register %j is a 400 naming %s", async (body, hint) => {
    const reply = await postText("/discovery/register", JSON.stringify(body));
    expectError(reply, 400, "INVALID_ARGUMENT", hint);
    expect(reply.body.node_id).toBeNull();
  });

  test.each([
    ["execution_cluster_id=1", "'workflow_id'"],
    ["workflow_id=&execution_cluster_id=1", "'workflow_id'"],
    ["workflow_id=w&execution_cluster_id=1&timeout_seconds=abc", "timeout_seconds"],
    ["workflow_id=w&execution_cluster_id=1&timeout_seconds=-1", "timeout_seconds"],
    ["workflow_id=w&execution_cluster_id=1&timeout_seconds=1.5", "timeout_seconds"],
    ["workflow_id=w&execution_cluster_id=1&timeout_seconds=3601", "at most 3600"],
    [`workflow_id=${"w".repeat(1025)}&execution_cluster_id=1`, "too long"],
  ])("GET /workflow/wait?%s is a 400 naming %s", async (query, hint) => {
    expectError(await send(`/workflow/wait?${query}`, {}), 400, "INVALID_ARGUMENT", hint);
    expect(api.callsOf("waitWorkflow")).toEqual([]);
  });
});

describe("recover fields", () => {
  // A forced recovery drops voters for good, and is what a body without dry_run asks for:
  // a misspelt dry_run must not pass as its absence.
  test.each([
    [{ dryRun: true }, "'dryRun'"],
    [{ "dry-run": true }, "'dry-run'"],
    [{ cluster_ids: [1], force: false }, "'force'"],
    [{ dry_run: "true" }, "'dry_run'"],
  ])(
    "POST /cluster/recover %j is a 400 naming %s, and nothing is recovered",
    async (body, hint) => {
      const reply = await postText("/cluster/recover", JSON.stringify(body));
      expectError(reply, 400, "INVALID_ARGUMENT", hint);
      expect(api.callsOf("recoverGroups")).toEqual([]);
    },
  );
});

describe("odd queries, peer batches and encodings", () => {
  test("a badly percent-encoded query is still answered", async () => {
    const reply = await send("/workflow/wait?workflow_id=%zz&execution_cluster_id=%", {});
    expect(reply.status === 200 || reply.status === 400).toBe(true);
  });

  test("a malformed peer batch is a 400 naming the field", async () => {
    const batch = JSON.parse(batchToJson(numberedBatch(1, 1)));
    batch.messages[0].message.term = -1;
    const reply = await postText("/raft/message", JSON.stringify(batch));
    expectError(reply, 400, "INVALID_ARGUMENT", "batch.messages[0].message.term");
    expect(api.batches).toEqual([]);
  });

  test("invalid UTF-8 is a 400", async () => {
    const reply = await send("/workflow/execute", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    });
    expectError(reply, 400, "INVALID_ARGUMENT", "UTF-8");
  });
});

describe("media types", () => {
  test.each(["/workflow/execute", "/raft/message", "/discovery/register"])(
    "POST %s without Content-Type: application/json is a 415",
    async (path) => {
      const form = await postText(path, "{}", "application/x-www-form-urlencoded");
      expectError(form, 415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type: application/json");
      const none = await send(path, { method: "POST", body: new Uint8Array([0x7b, 0x7d]) });
      expectError(none, 415, "UNSUPPORTED_MEDIA_TYPE", "got none");
    },
  );

  test("a charset parameter and any letter case are accepted", async () => {
    const body = JSON.stringify({ address: "h:1" });
    expect(
      (await postText("/discovery/register", body, "Application/JSON; charset=UTF-8")).status,
    ).toBe(200);
  });
});

describe("body size limits", () => {
  test("a declared length over the client limit is a 413 before the body is read", async () => {
    const body = JSON.stringify({ name: "p", version: 1, input: JSON.stringify("x".repeat(2000)) });
    expectError(
      await postText("/workflow/execute", body),
      413,
      "RESOURCE_EXHAUSTED",
      "limit is 1024",
    );
    expect(api.callsOf("startWorkflow")).toEqual([]);
  });

  test("/raft/message has its own, larger limit", async () => {
    const batch = batchToJson({ ...numberedBatch(1, 1), messages: [] });
    const padded = `${batch.slice(0, -1)}, "padding": "${"p".repeat(2000)}"}`;
    expect((await postText("/raft/message", padded)).status).toBe(200);
    const over = `${batch.slice(0, -1)}, "padding": "${"p".repeat(5000)}"}`;
    expectError(await postText("/raft/message", over), 413, "RESOURCE_EXHAUSTED", "limit is 4096");
  });

  test("a chunked body (no Content-Length) is cut off at the limit with a 413", async () => {
    const chunk = `"${"x".repeat(300)}",`;
    const chunks = [
      `{"name": "p", "version": 1, "input": null, "pad": [`,
      ...Array(10).fill(chunk),
    ];
    const reply = await rawRequest(
      [
        "POST /workflow/execute HTTP/1.1",
        `Host: 127.0.0.1:${port}`,
        "Content-Type: application/json",
        "Transfer-Encoding: chunked",
        "Connection: close",
        "",
        ...chunks.map((text) => `${text.length.toString(16)}\r\n${text}`),
        "0",
        "",
        "",
      ].join("\r\n"),
    );
    expect(reply).toStartWith("HTTP/1.1 413");
    expect(reply).toContain('"code":"RESOURCE_EXHAUSTED"');
  });

  test("a Content-Length that is not a number is refused", async () => {
    const reply = await rawRequest(
      [
        "POST /workflow/execute HTTP/1.1",
        `Host: 127.0.0.1:${port}`,
        "Content-Type: application/json",
        "Content-Length: lots",
        "Connection: close",
        "",
        "{}",
      ].join("\r\n"),
    );
    expect(reply).toMatch(/^HTTP\/1\.1 4\d\d/);
  });
});

describe("routes", () => {
  test("an unknown route is a 404 JSON listing the routes", async () => {
    const reply = await send("/workflow/start", {});
    expectError(reply, 404, "NOT_FOUND", "no route /workflow/start", "POST /workflow/run");
  });

  test.each([
    ["GET", "/workflow/execute", "POST"],
    ["POST", "/workflow/wait", "GET"],
    ["PUT", "/raft/message", "POST"],
    ["DELETE", "/health", "GET"],
  ])("%s %s is a 405 that names the method to use", async (method, path, allowed) => {
    const response = await fetch(`${base}${path}`, { method });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe(allowed);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ success: false, code: "INVALID_ARGUMENT" });
    expect(String(body.error)).toContain(`use ${allowed}`);
  });
});
