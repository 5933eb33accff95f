// Browser pages of other origins (--cors-origin) against a fake NodeApi, with tokens on: a
// preflight needs no token, the answers name the origin allowed, other origins and the
// routes between nodes get nothing, and without the option nothing changes. Without tokens,
// a page of another origin cannot make a node leave or open the peer stream (requests a
// browser sends without a preflight), while the node's own console still calls it.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { FakeNodeApi } from "../../../test/contracts/fake-node-api.ts";
import { createLogger } from "../../lib/index.ts";
import { AccessPolicy, corsOriginProblem } from "../index.ts";
import { HttpTransportServer } from "./http-transport-server.ts";

const SECRETS = {
  clusterSecret: "cluster-secret-for-cors-tests-001",
  clientToken: "client-token-for-cors-tests-0001",
};
const APP = "https://app.example.com";
const logger = createLogger({ level: "error", format: "text", write: () => undefined });

async function serve(corsOrigins?: readonly string[], api = new FakeNodeApi(), isOpen = false) {
  const server = new HttpTransportServer({
    logger,
    ...(isOpen ? {} : { access: new AccessPolicy(SECRETS) }),
    ...(corsOrigins === undefined ? {} : { corsOrigins }),
  });
  const { port } = await server.listen("127.0.0.1", 0, api);
  return { server, base: `http://127.0.0.1:${port}` };
}

const preflight = (base: string, path: string, origin: string) =>
  fetch(`${base}${path}`, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization, content-type",
    },
  });

describe("pages of other origins", () => {
  let server: HttpTransportServer;
  let base = "";
  beforeAll(async () => {
    ({ server, base } = await serve([APP]));
  });
  afterAll(() => server.close());

  test("a preflight from an allowed origin is answered without a token", async () => {
    const reply = await preflight(base, "/workflow/execute", APP);
    expect(reply.status).toBe(204);
    expect(reply.headers.get("access-control-allow-origin")).toBe(APP);
    expect(reply.headers.get("access-control-allow-methods")).toBe("GET, POST");
    expect(reply.headers.get("access-control-allow-headers")).toContain("Authorization");
  });

  test("the answers, refusals included, name the allowed origin", async () => {
    const token = { authorization: `Bearer ${SECRETS.clientToken}`, origin: APP };
    const served = await fetch(`${base}/workflow/describe?workflow_id=w-1`, { headers: token });
    expect(served.headers.get("access-control-allow-origin")).toBe(APP);
    const refused = await fetch(`${base}/workflow/describe?workflow_id=w-1`, {
      headers: { origin: APP },
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("access-control-allow-origin")).toBe(APP);
    expect(refused.headers.get("vary")).toContain("Origin");
  });

  test("another origin, and the routes between nodes, get nothing", async () => {
    const other = await preflight(base, "/workflow/execute", "https://evil.example.com");
    expect(other.status).not.toBe(204);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const peer = await preflight(base, "/raft/message", APP);
    expect(peer.headers.get("access-control-allow-origin")).toBeNull();
  });
});

test("without --cors-origin no answer names an origin", async () => {
  const { server, base } = await serve();
  try {
    const reply = await preflight(base, "/workflow/execute", APP);
    expect(reply.status).not.toBe(204);
    expect(reply.headers.get("access-control-allow-origin")).toBeNull();
  } finally {
    await server.close();
  }
});

test("* allows any origin; a value that is not an origin is named", async () => {
  const { server, base } = await serve(["*"]);
  try {
    const reply = await preflight(base, "/workflow/run", "http://localhost:3000");
    expect(reply.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
  } finally {
    await server.close();
  }
  expect(corsOriginProblem("https://app.example.com:8443")).toBeUndefined();
  expect(corsOriginProblem("app.example.com")).toContain("is not an origin");
  expect(corsOriginProblem("https://app.example.com/path")).toContain("is not an origin");
});

/** What a page's `new WebSocket(...)` to the peer stream gets: open, or its close code. */
function openPeerStream(base: string, origin: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${base.replace("http", "ws")}/raft/stream`, {
      headers: { origin },
    });
    socket.addEventListener("open", () => {
      socket.close();
      resolve("open");
    });
    socket.addEventListener("error", () => resolve("refused"));
  });
}

describe("a cluster without tokens, called by pages of other origins", () => {
  const api = new FakeNodeApi();
  let server: HttpTransportServer;
  let base = "";
  beforeAll(async () => {
    ({ server, base } = await serve([APP], api, true));
  });
  afterAll(() => server.close());

  test("a page of another origin cannot make the node leave, nor open the peer stream", async () => {
    // A form's POST, or fetch in no-cors mode: a browser sends it without asking first.
    const leave = await fetch(`${base}/node/leave`, {
      method: "POST",
      headers: { origin: "https://evil.example.com", "content-type": "text/plain" },
      body: "x",
    });
    expect(leave.status).toBe(403);
    expect(((await leave.json()) as { error: string }).error).toContain("--cors-origin");
    expect(api.callsOf("leave")).toEqual([]);
    // Browsers open a WebSocket to any origin; peer routes are for nodes, which send none.
    expect(await openPeerStream(base, "https://evil.example.com")).toBe("refused");
    expect(await openPeerStream(base, APP)).toBe("refused");
    expect(await openPeerStream(base, base)).toBe("refused");
  });

  test("the node's own console and an allowed origin still call it", async () => {
    for (const origin of [base, APP]) {
      const served = await fetch(`${base}/workflow/execute`, {
        method: "POST",
        headers: { origin, "content-type": "application/json" },
        body: JSON.stringify({ name: "ping_pong", version: 1, input: '"ping"' }),
      });
      expect(served.status).toBe(200);
    }
    const leave = await fetch(`${base}/node/leave`, { method: "POST", headers: { origin: base } });
    expect(leave.status).toBe(200);
    expect(api.callsOf("leave")).toHaveLength(1);
  });
});
