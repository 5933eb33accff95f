// The gRPC transport's protections against a fake NodeApi: who may call each method (tokens
// and the cluster secret, as metadata), per-method message limits, TLS with mutual TLS and
// the errors each mistake gives, and peers delivering over TLS with their credentials.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { FakeNodeApi, waitUntil } from "../../../test/contracts/fake-node-api.ts";
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
import {
  AccessPolicy,
  bearerCredentials,
  type CallCredentials,
  type ClientTls,
  peerCredentials,
} from "../index.ts";
import { GrpcClient } from "./client.ts";
import { GrpcPeerTransport } from "./grpc-peer-transport.ts";
import { GrpcTransportServer } from "./grpc-transport-server.ts";
import type { MethodDescriptor } from "./method.ts";
import { RaftServiceMethods, WorkflowManagementMethods } from "./raftoral-methods.ts";
import { GrpcStatus, GrpcStatusError } from "./status.ts";

/** Generous: every call here answers at once; the deadline only catches a hang on a busy machine. */
const CALL_TIMEOUT_MS = 15_000;

const SECRETS = {
  clusterSecret: "cluster-secret-for-grpc-tests-001",
  clientToken: "client-token-for-grpc-tests-0001",
  adminToken: "admin-token-for-grpc-tests-00001",
};
const logger = createLogger({ level: "error", format: "text", write: () => undefined });

const CALLERS: Readonly<Record<string, CallCredentials | undefined>> = {
  nobody: undefined,
  client: bearerCredentials(SECRETS.clientToken),
  admin: bearerCredentials(SECRETS.adminToken),
  peer: peerCredentials(SECRETS.clusterSecret),
};

/** "OK", or the name of the status the call failed with. */
async function outcome(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return "OK";
  } catch (error) {
    if (!(error instanceof GrpcStatusError)) throw error;
    return GrpcStatus.UNAUTHENTICATED === error.grpcCode
      ? "UNAUTHENTICATED"
      : GrpcStatus.PERMISSION_DENIED === error.grpcCode
        ? "PERMISSION_DENIED"
        : `code ${error.grpcCode}: ${error.message}`;
  }
}

const RUN = { workflowType: "ping_pong", version: 1, inputJson: '"ping"', executionClusterId: "" };
const WAIT = { workflowId: "w", executionClusterId: "1", timeoutSeconds: 1 };
const BATCH = {
  clusterId: 1,
  message: "raftMessage",
  raftMessage: (await import("../index.ts")).encodeBatchMsgpack(numberedBatch(1, 1)),
} as const;

describe("who may call which method", () => {
  const api = new FakeNodeApi();
  const server = new GrpcTransportServer({
    logger,
    closeGraceMs: 50,
    access: new AccessPolicy(SECRETS),
    clientMessageBytesMax: 64 * 1024,
    peerMessageBytesMax: 256 * 1024,
  });
  let address = "";
  const clients: GrpcClient[] = [];

  beforeAll(async () => {
    address = `127.0.0.1:${(await server.listen("127.0.0.1", 0, api)).port}`;
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await server.close();
  });

  function clientAs(caller: string): GrpcClient {
    const credentials = CALLERS[caller];
    const client = new GrpcClient({
      address,
      ...(credentials === undefined ? {} : { credentials }),
    });
    clients.push(client);
    return client;
  }

  const cases: [string, MethodDescriptor<object, unknown>, object, Record<string, string>][] = [
    [
      "GetNodeHealth",
      RaftServiceMethods.getNodeHealth,
      {},
      { nobody: "OK", client: "OK", admin: "OK", peer: "OK" },
    ],
    [
      "RunWorkflowAsync",
      WorkflowManagementMethods.runWorkflowAsync,
      RUN,
      { nobody: "UNAUTHENTICATED", client: "OK", admin: "OK", peer: "OK" },
    ],
    [
      "WaitForWorkflowCompletion",
      WorkflowManagementMethods.waitForWorkflowCompletion,
      WAIT,
      { nobody: "UNAUTHENTICATED", client: "OK", admin: "OK", peer: "OK" },
    ],
    [
      "Discover",
      RaftServiceMethods.discover,
      {},
      { nobody: "UNAUTHENTICATED", client: "OK", admin: "OK", peer: "OK" },
    ],
    [
      "SendMessage",
      RaftServiceMethods.sendMessage,
      BATCH,
      {
        nobody: "UNAUTHENTICATED",
        client: "UNAUTHENTICATED",
        admin: "UNAUTHENTICATED",
        peer: "OK",
      },
    ],
    [
      "AddNode",
      RaftServiceMethods.addNode,
      { nodeId: 0, address: "127.0.0.1:7009", workflowFingerprint: "", instanceId: "" },
      {
        nobody: "UNAUTHENTICATED",
        client: "UNAUTHENTICATED",
        admin: "UNAUTHENTICATED",
        peer: "OK",
      },
    ],
    [
      "GetClusterStatus",
      RaftServiceMethods.getClusterStatus,
      {},
      { nobody: "UNAUTHENTICATED", client: "PERMISSION_DENIED", admin: "OK", peer: "OK" },
    ],
    [
      "RecoverGroups",
      RaftServiceMethods.recoverGroups,
      { clusterIds: [], dryRun: true },
      {
        nobody: "UNAUTHENTICATED",
        client: "PERMISSION_DENIED",
        admin: "OK",
        peer: "PERMISSION_DENIED",
      },
    ],
    [
      "LeaveCluster",
      RaftServiceMethods.leaveCluster,
      {},
      {
        nobody: "UNAUTHENTICATED",
        client: "PERMISSION_DENIED",
        admin: "OK",
        peer: "PERMISSION_DENIED",
      },
    ],
  ];
  test.each(cases)("%s", async (_name, method, request, expected) => {
    for (const [caller, code] of Object.entries(expected)) {
      const got = await outcome(() =>
        clientAs(caller).unary(method, request, { timeoutMs: CALL_TIMEOUT_MS }),
      );
      expect(`${caller}: ${got}`).toBe(`${caller}: ${code}`);
    }
  });

  test("a refused call never reaches NodeApi, and its message says what is needed", async () => {
    api.reset();
    const error = await clientAs("nobody")
      .unary(WorkflowManagementMethods.runWorkflowAsync, RUN, { timeoutMs: CALL_TIMEOUT_MS })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GrpcStatusError);
    expect((error as GrpcStatusError).code).toBe("UNAUTHENTICATED");
    expect((error as Error).message).toBe(
      "/raftoral.WorkflowManagement/RunWorkflowAsync: needs the client token as 'Authorization: Bearer <token>'; clients pass it with --token-file or RAFTORAL_TOKEN (a node joining this cluster needs its --cluster-secret-file instead)",
    );
    // The server itself polls NodeApi's health every 100 ms (what health Check and Watch
    // report), so one poll may land while the call is in flight (2 runs in 100 here, more on a
    // busy machine); any other call means the refused one got through.
    expect(api.calls.filter((call) => call.method !== "health")).toEqual([]);
  });

  test("health checking and reflection stay open for load balancers and tools", async () => {
    const { HealthMethods } = await import("./health.ts");
    const response = await clientAs("nobody").unary(HealthMethods.check, { service: "" });
    expect(response.status).toBeGreaterThan(0);
  });

  test("a call open to anyone takes small messages only", async () => {
    const { HealthMethods } = await import("./health.ts");
    // Before, a stranger's health call took 1 MiB, and a message held one byte short of whole
    // stayed in the node's memory for as long as the call was open.
    const refused = await outcome(() =>
      clientAs("nobody").unary(HealthMethods.check, { service: "s".repeat(8 * 1024) }),
    );
    expect(refused).toContain(`code ${GrpcStatus.RESOURCE_EXHAUSTED}`);
    expect(refused).toContain("vs. 4096 bytes");
    const named = await outcome(() =>
      clientAs("nobody").unary(HealthMethods.check, { service: "raftoral.WorkflowManagement" }),
    );
    expect(named).toBe("OK");
  });

  test("input_json nested deeper than the JSON limit is refused at the gateway", async () => {
    const deep = `${"[".repeat(100)}${"]".repeat(100)}`;
    const refused = await outcome(() =>
      clientAs("client").unary(WorkflowManagementMethods.runWorkflowAsync, {
        ...RUN,
        inputJson: deep,
      }),
    );
    expect(refused).toBe(
      `code ${GrpcStatus.INVALID_ARGUMENT}: field 'input_json' nests arrays or objects deeper than 64 levels; flatten it`,
    );
  });

  test("client methods take 1 MiB-class messages, peer batches their own larger limit", async () => {
    const large = "x".repeat(128 * 1024);
    const tooLargeRun = await outcome(() =>
      clientAs("client").unary(WorkflowManagementMethods.runWorkflowAsync, {
        ...RUN,
        inputJson: JSON.stringify(large),
      }),
    );
    expect(tooLargeRun).toContain(`code ${GrpcStatus.RESOURCE_EXHAUSTED}`);
    expect(tooLargeRun).toContain("vs. 65536 bytes");
    // The same size as a peer batch passes the size check (and fails as the garbage it is).
    const garbage = {
      clusterId: 1,
      message: "raftMessage",
      raftMessage: new Uint8Array(128 * 1024),
    };
    const peerSized = await outcome(() =>
      clientAs("peer").unary(RaftServiceMethods.sendMessage, garbage as typeof BATCH),
    );
    expect(peerSized).toContain(`code ${GrpcStatus.INVALID_ARGUMENT}`);
    const hugeBatch = { ...garbage, raftMessage: new Uint8Array(300 * 1024) };
    const tooLargeBatch = await outcome(() =>
      clientAs("peer").unary(RaftServiceMethods.sendMessage, hugeBatch as typeof BATCH),
    );
    expect(tooLargeBatch).toContain("vs. 262144 bytes");
  });
});

describe("TLS and mutual TLS", () => {
  let certificates: TestCertificates;
  const api = new FakeNodeApi();
  let server: GrpcTransportServer;
  let address = "";

  beforeAll(async () => {
    certificates = makeTestCertificates();
    const { cert, key } = certificates.node;
    server = new GrpcTransportServer({
      logger,
      closeGraceMs: 50,
      tls: { cert, key, ca: certificates.ca, isClientCertRequired: true },
      access: new AccessPolicy({ clusterSecret: SECRETS.clusterSecret }),
    });
    address = `127.0.0.1:${(await server.listen("127.0.0.1", 0, api)).port}`;
  });
  afterAll(async () => {
    await server.close();
    certificates.remove();
  });

  async function health(tls: ClientTls | undefined): Promise<string> {
    const client = new GrpcClient({ address, ...(tls === undefined ? {} : { tls }) });
    try {
      return (
        await client.unary(RaftServiceMethods.getNodeHealth, {}, { timeoutMs: CALL_TIMEOUT_MS })
      ).status;
    } catch (error) {
      return (error as Error).message;
    } finally {
      client.close();
    }
  }

  test("a call the node refused in TLS (no client certificate) took nothing: not an answer lost", async () => {
    const client = new GrpcClient({ address, tls: { ca: certificates.ca } });
    try {
      const refused = await client
        .unary(RaftServiceMethods.getNodeHealth, {}, { timeoutMs: CALL_TIMEOUT_MS })
        .catch((error: unknown) => error);
      expect((refused as Error).message).toContain("requires a client certificate");
      expect(refused).toMatchObject({ isAnswerLost: false });
    } finally {
      client.close();
    }
  });

  test("a cleartext call to the TLS port took nothing: not an answer lost", async () => {
    // The node closes the connection without a word of HTTP/2; before, the call was said to
    // have reached it, so a start without an id was "maybe done" and never sent on.
    const client = new GrpcClient({ address });
    try {
      const refused = await client
        .unary(RaftServiceMethods.getNodeHealth, {}, { timeoutMs: CALL_TIMEOUT_MS })
        .catch((error: unknown) => error);
      expect((refused as Error).message).toContain("it uses TLS (then call it with https://");
      expect(refused).toMatchObject({ isAnswerLost: false });
    } finally {
      client.close();
    }
  });

  test("a client that trusts the CA and shows a certificate it signed is served", async () => {
    const { cert, key } = certificates.client;
    expect(await health({ ca: certificates.ca, cert, key })).toBe("ok");
  });

  test("each mistake gets an error that says what to do", async () => {
    expect(await health(undefined)).toContain(
      "it uses TLS (then call it with https:// or grpcs:// and --tls-ca",
    );
    expect(await health({ ca: certificates.ca })).toContain(
      "the node requires a client certificate (mutual TLS): pass --tls-cert and --tls-key",
    );
    const { cert, key } = certificates.client;
    expect(await health({ cert, key })).toContain(
      "the node's certificate is not trusted: pass the CA that signed it with --tls-ca",
    );
    const stranger = certificates.stranger;
    expect(await health({ ca: certificates.ca, cert: stranger.cert, key: stranger.key })).toContain(
      "pass --tls-cert and --tls-key signed by its CA",
    );
  });

  /** A node's TLS (its certificate, the cluster CA), and a peer transport with the secret. */
  function nodePeer() {
    const { cert, key } = certificates.node;
    const tls = { ca: certificates.ca, cert, key };
    const peer = new GrpcPeerTransport({
      tls,
      credentials: peerCredentials(SECRETS.clusterSecret),
    });
    return { tls, peer };
  }

  test("a peer delivers over TLS with its node certificate and the cluster secret", async () => {
    const { tls, peer } = nodePeer();
    api.reset();
    await peer.deliver(address, numberedBatch(2, 7), 3_000);
    expect(api.batches).toHaveLength(1);
    const withoutSecret = new GrpcPeerTransport({ tls });
    await expect(withoutSecret.deliver(address, numberedBatch(2, 8), 3_000)).rejects.toThrow(
      "needs proof of the cluster secret",
    );
    await Promise.all([peer.close(), withoutSecret.close()]);
  });

  test("a peer stream opens over TLS with the node certificate and the cluster secret", async () => {
    const { tls, peer } = nodePeer();
    api.reset();
    const stream = openRecorded(peer, address);
    await stream.opened;
    stream.stream.send(numberedBatch(2, 9));
    await waitUntil(() => api.batches.length === 1, "the batch over TLS");
    const withoutSecret = openRecorded(new GrpcPeerTransport({ tls }), address);
    expect((await withoutSecret.closed)?.code).toBe("UNAUTHENTICATED");
    expect(withoutSecret.isOpen()).toBe(false);
    await peer.close();
  });

  test("a TLS client to a cleartext server is told the node does not speak TLS", async () => {
    const plain = new GrpcTransportServer({ logger, closeGraceMs: 50 });
    const port = (await plain.listen("127.0.0.1", 0, api)).port;
    const client = new GrpcClient({ address: `127.0.0.1:${port}`, tls: { ca: certificates.ca } });
    await expect(
      client.unary(RaftServiceMethods.getNodeHealth, {}, { timeoutMs: CALL_TIMEOUT_MS }),
    ).rejects.toThrow("the node does not speak TLS on this port: use http:// or grpc://");
    client.close();
    await plain.close();
  });
});

runPeerStreamSecurity("grpc", {
  startServer: async (api, secrets) => {
    const server = new GrpcTransportServer({
      logger,
      closeGraceMs: 50,
      access: new AccessPolicy(secrets),
      peerMessageBytesMax: STREAM_BATCH_BYTES_MAX,
    });
    return { server, address: `127.0.0.1:${(await server.listen("127.0.0.1", 0, api)).port}` };
  },
  newPeer: (credentials) => new GrpcPeerTransport(credentials === undefined ? {} : { credentials }),
  sendGarbage: async (address, credentials) => {
    const client = new GrpcClient({ address, credentials });
    try {
      const call = client.bidiStreaming(RaftServiceMethods.streamMessages);
      const garbage = { ...BATCH, raftMessage: new Uint8Array([0xc1, 0xc1]) };
      call.send(garbage as typeof BATCH);
      const ended = await (async () => {
        for await (const _response of call.responses);
      })().catch((error: unknown) => error);
      if (!(ended instanceof RaftoralError)) throw new Error(`the stream ended with ${ended}`);
      return ended;
    } finally {
      client.close();
    }
  },
});
