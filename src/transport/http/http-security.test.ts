// The HTTP transport's protections against a fake NodeApi: who may call each route (tokens
// and the cluster secret), HTTPS with mutual TLS for clients and peers with the errors each
// mistake gives, and the limits against hostile input (body deadline, nesting, idle).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { CLUSTER_STATUS, FakeNodeApi, waitUntil } from "../../../test/contracts/fake-node-api.ts";
import { openRecorded } from "../../../test/contracts/peer-stream.contract.ts";
import {
  runPeerStreamSecurity,
  STREAM_BATCH_BYTES_MAX,
} from "../../../test/contracts/peer-stream-security.ts";
import { numberedBatch } from "../../../test/contracts/transport-fixtures.ts";
import {
  makeTestCertificates,
  type TestCertificates,
} from "../../../test/support/test-certificates.ts";
import { createLogger, RaftoralError } from "../../lib/index.ts";
import { AccessPolicy, batchToJson, createPeerProof, PEER_PROOF_HEADER } from "../index.ts";
import { HttpPeerTransport } from "./http-peer-transport.ts";
import {
  BODY_READ_TIMEOUT_MS_DEFAULT,
  HttpTransportServer,
  IDLE_TIMEOUT_SECONDS_DEFAULT,
} from "./http-transport-server.ts";
import { errorOfClose } from "./peer-stream-close.ts";

const SECRETS = {
  clusterSecret: "cluster-secret-for-http-tests-0001",
  clientToken: "client-token-for-http-tests-0001",
  adminToken: "admin-token-for-http-tests-0001",
};
const logger = createLogger({ level: "error", format: "text", write: () => undefined });

type Caller = "nobody" | "client" | "admin" | "peer";

function headersOf(caller: Caller, path: string): Record<string, string> {
  switch (caller) {
    case "nobody":
      return {};
    case "client":
      return { authorization: `Bearer ${SECRETS.clientToken}` };
    case "admin":
      return { authorization: `Bearer ${SECRETS.adminToken}` };
    case "peer":
      return { [PEER_PROOF_HEADER]: createPeerProof(SECRETS.clusterSecret, path, Date.now()) };
  }
}

describe("who may call which route", () => {
  const api = new FakeNodeApi();
  const server = new HttpTransportServer({ logger, access: new AccessPolicy(SECRETS) });
  let base = "";

  beforeAll(async () => {
    const { port } = await server.listen("127.0.0.1", 0, api);
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(() => server.close());

  const BODIES: Record<string, unknown> = {
    "/workflow/execute": { name: "ping_pong", version: 1, input: '"ping"' },
    "/workflow/run": { name: "ping_pong", version: 1, input: '"ping"' },
    "/raft/message": JSON.parse(batchToJson(numberedBatch(1, 2))),
    "/discovery/register": { node_id: 0, address: "127.0.0.1:7009" },
    "/cluster/recover": { dry_run: true },
  };

  async function status(method: string, path: string, caller: Caller): Promise<number> {
    const route = path.split("?")[0] ?? path;
    const body = BODIES[route];
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...headersOf(caller, route),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    await response.arrayBuffer();
    return response.status;
  }

  const WAIT = "/workflow/wait?workflow_id=w&execution_cluster_id=1&timeout_seconds=1";
  test.each([
    ["GET", "/health", { nobody: 200, client: 200, admin: 200, peer: 200 }],
    // The groups' leaders, terms and indexes are an operator's to read (the fake node's
    // details say unavailable: 503 once let through).
    ["GET", "/health?verbose", { nobody: 401, client: 403, admin: 503, peer: 503 }],
    ["POST", "/workflow/execute", { nobody: 401, client: 200, admin: 200, peer: 200 }],
    ["GET", WAIT, { nobody: 401, client: 200, admin: 200, peer: 200 }],
    ["POST", "/workflow/run", { nobody: 401, client: 200, admin: 200, peer: 200 }],
    ["GET", "/discovery/peers", { nobody: 401, client: 200, admin: 200, peer: 200 }],
    ["POST", "/raft/message", { nobody: 401, client: 401, admin: 401, peer: 200 }],
    ["POST", "/discovery/register", { nobody: 401, client: 401, admin: 401, peer: 200 }],
    ["GET", "/cluster/status", { nobody: 401, client: 403, admin: 200, peer: 200 }],
    ["POST", "/cluster/recover", { nobody: 401, client: 403, admin: 200, peer: 403 }],
    ["POST", "/node/leave", { nobody: 401, client: 403, admin: 200, peer: 403 }],
  ] as const)("%s %s", async (method, path, expected) => {
    for (const [caller, code] of Object.entries(expected)) {
      const got = await status(method, path, caller as Caller);
      expect(`${caller}: ${got}`).toBe(`${caller}: ${code}`);
    }
  });

  test("a refusal is a 401 with WWW-Authenticate and the error body; NodeApi never hears of it", async () => {
    api.reset();
    const response = await fetch(`${base}/workflow/execute`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer wrong-token-00000000" },
      body: JSON.stringify(BODIES["/workflow/execute"]),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="raftoral"');
    expect(await response.json()).toMatchObject({
      success: false,
      code: "UNAUTHENTICATED",
      error: "/workflow/execute: the token sent is not the client token",
    });
    expect(api.calls).toEqual([]);
  });

  test("a peer batch with a proof made for another route is refused", async () => {
    const response = await fetch(`${base}/raft/message`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        [PEER_PROOF_HEADER]: createPeerProof(SECRETS.clusterSecret, "/health", Date.now()),
      },
      body: JSON.stringify(BODIES["/raft/message"]),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toContain(
      "every node of a cluster needs the same --cluster-secret-file",
    );
  });

  test("HttpPeerTransport sends its credentials, and without them the batch is refused", async () => {
    const address = base.slice("http://".length);
    const bare = new HttpPeerTransport();
    const error = await bare.deliver(address, numberedBatch(1, 1), 2_000).catch((e) => e);
    expect(error).toBeInstanceOf(RaftoralError);
    expect((error as RaftoralError).code).toBe("UNAUTHENTICATED");
    const { peerCredentials } = await import("../index.ts");
    const peer = new HttpPeerTransport({ credentials: peerCredentials(SECRETS.clusterSecret) });
    await peer.deliver(address, numberedBatch(1, 1), 2_000);
    await Promise.all([bare.close(), peer.close()]);
  });
});

describe("HTTPS and mutual TLS", () => {
  let certificates: TestCertificates;
  const api = new FakeNodeApi();
  let server: HttpTransportServer;
  let address = "";

  beforeAll(async () => {
    certificates = makeTestCertificates();
    const { cert, key } = certificates.node;
    server = new HttpTransportServer({
      logger,
      tls: { cert, key, ca: certificates.ca, isClientCertRequired: true },
    });
    address = `127.0.0.1:${(await server.listen("127.0.0.1", 0, api)).port}`;
  });
  afterAll(async () => {
    await server.close();
    certificates.remove();
  });

  async function health(options: {
    tls?: { ca?: string; cert?: string; key?: string };
  }): Promise<string> {
    const { HttpProtocolClient } = await import("../../client/index.ts");
    const client = new HttpProtocolClient(address, options);
    try {
      return (await client.health({ timeoutMs: 3_000 })).status;
    } catch (error) {
      return (error as Error).message;
    }
  }

  test("a client that trusts the CA and shows its certificate is served", async () => {
    const { cert, key } = certificates.client;
    expect(await health({ tls: { ca: certificates.ca, cert, key } })).toBe("ok");
  });

  test("each mistake gets an error that says what to do", async () => {
    expect(await health({})).toContain("the node speaks TLS on this port: call it with https://");
    expect(await health({ tls: { ca: certificates.ca } })).toContain(
      "or require a client certificate (pass --tls-cert and --tls-key)",
    );
    const { cert, key } = certificates.client;
    expect(await health({ tls: { cert, key } })).toContain(
      "the node's certificate is not trusted: pass the CA that signed it with --tls-ca",
    );
  });

  test("a call the node refused in the TLS handshake took nothing: its answer is not lost", async () => {
    const { HttpProtocolClient } = await import("../../client/index.ts");
    const client = new HttpProtocolClient(address, { tls: { ca: certificates.ca } });
    const refused = await client.health({ timeoutMs: 3_000 }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: "UNAVAILABLE", isAnswerLost: false });
  });

  test("a peer delivers batches over HTTPS with its node certificate", async () => {
    const { cert, key } = certificates.node;
    const peer = new HttpPeerTransport({ tls: { ca: certificates.ca, cert, key } });
    api.reset();
    await peer.deliver(address, numberedBatch(2, 3), 3_000);
    expect(api.batches).toHaveLength(1);
    const stranger = new HttpPeerTransport({
      tls: {
        ca: certificates.ca,
        cert: certificates.stranger.cert,
        key: certificates.stranger.key,
      },
    });
    await expect(stranger.deliver(address, numberedBatch(2, 3), 3_000)).rejects.toThrow(
      "cannot deliver",
    );
    await Promise.all([peer.close(), stranger.close()]);
  });

  test("a peer stream opens over TLS with the node certificate; a stranger's never opens", async () => {
    const { cert, key } = certificates.node;
    const peer = new HttpPeerTransport({ tls: { ca: certificates.ca, cert, key } });
    api.reset();
    const stream = openRecorded(peer, address);
    await stream.opened;
    stream.stream.send(numberedBatch(2, 4));
    await waitUntil(() => api.batches.length === 1, "the batch over wss");
    const { cert: strangerCert, key: strangerKey } = certificates.stranger;
    const stranger = new HttpPeerTransport({
      tls: { ca: certificates.ca, cert: strangerCert, key: strangerKey },
    });
    const refused = openRecorded(stranger, address);
    expect(await refused.closed).toBeInstanceOf(RaftoralError);
    expect(refused.isOpen()).toBe(false);
    expect(api.batches).toHaveLength(1);
    await Promise.all([peer.close(), stranger.close()]);
  });
});

describe("limits against hostile input", () => {
  const api = new FakeNodeApi();
  const server = new HttpTransportServer({ logger, bodyReadTimeoutMs: 300, idleTimeoutSeconds: 1 });
  let port = 0;

  beforeAll(async () => {
    port = (await server.listen("127.0.0.1", 0, api)).port;
  });
  afterAll(() => server.close());

  test("by default the body's deadline passes seconds before the idle close can", () => {
    // Bun closes idle connections in steps of a few seconds: 28.4 s for a 30 s timeout.
    expect(BODY_READ_TIMEOUT_MS_DEFAULT + 5_000).toBeLessThanOrEqual(
      IDLE_TIMEOUT_SECONDS_DEFAULT * 1_000,
    );
  });

  test("a body that trickles in is cut off with 408 after the read deadline", async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.write(
          "POST /workflow/execute HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
            'Content-Length: 100\r\n\r\n{"name":',
        );
      });
      let received = "";
      socket.on("data", (chunk) => {
        received += chunk.toString();
        if (received.includes("\r\n\r\n") && received.includes("}")) {
          socket.destroy();
          resolve(received);
        }
      });
      socket.on("error", reject);
    });
    expect(answer).toStartWith("HTTP/1.1 408");
    expect(answer).toContain("the body did not arrive within 300 ms");
  });

  test("JSON nested deeper than the limit is refused before any field is read", async () => {
    const deep = `${"[".repeat(100)}${"]".repeat(100)}`;
    const response = await fetch(`http://127.0.0.1:${port}/raft/message`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: deep,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain(
      "nests deeper than 64 levels",
    );
  });

  test("a workflow input given as JSON text is held to the same nesting limit", async () => {
    const deep = `${"[".repeat(100)}${"]".repeat(100)}`;
    const response = await fetch(`http://127.0.0.1:${port}/workflow/execute`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "ping_pong", version: 1, input: deep }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe(
      "field 'input' nests arrays or objects deeper than 64 levels; flatten it",
    );
  });

  test("the idle timeout cuts a request that waits too long, but not a workflow's result", async () => {
    // Bun checks idle timeouts every 4 s or so: past that, an idle-limited request is cut.
    const slowly = async <T>(value: T): Promise<T> => {
      await Bun.sleep(4_500);
      return value;
    };
    api.script.waitWorkflow = () => slowly({ success: true, output: "pong" });
    api.script.clusterStatus = () => slowly(CLUSTER_STATUS);
    const [wait, run, status] = await Promise.all([
      fetch(
        `http://127.0.0.1:${port}/workflow/wait?workflow_id=w&execution_cluster_id=1&timeout_seconds=5`,
      ).then((response) => response.status),
      fetch(`http://127.0.0.1:${port}/workflow/run`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          name: "ping_pong",
          version: 1,
          input: '"ping"',
          timeout_seconds: 5,
        }),
      }).then((response) => response.status),
      fetch(`http://127.0.0.1:${port}/cluster/status`).then(
        (response) => String(response.status),
        (error: Error) => error.message,
      ),
    ]);
    expect(wait).toBe(200);
    expect(run).toBe(200);
    expect(status).toContain("socket connection was closed unexpectedly");
    api.reset();
  });
});

runPeerStreamSecurity("http", {
  startServer: async (api, secrets) => {
    const server = new HttpTransportServer({
      logger,
      access: new AccessPolicy(secrets),
      peerBodyBytesMax: STREAM_BATCH_BYTES_MAX,
    });
    return { server, address: `127.0.0.1:${(await server.listen("127.0.0.1", 0, api)).port}` };
  },
  newPeer: (credentials) => new HttpPeerTransport(credentials === undefined ? {} : { credentials }),
  sendGarbage: (address, credentials) =>
    new Promise((resolve) => {
      const socket = new WebSocket(`ws://${address}/raft/stream`, {
        headers: { ...credentials("/raft/stream") },
      });
      socket.addEventListener("open", () => socket.send(new Uint8Array([0xc1, 0xc1])));
      socket.addEventListener("close", (event) =>
        resolve(errorOfClose(address, event.code, event.reason)),
      );
    }),
});
