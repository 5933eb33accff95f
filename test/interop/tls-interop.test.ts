// Standard gRPC clients against our server over mutual TLS, with a client token: @grpc/grpc-js
// (ssl credentials and call metadata), and Python grpcio (its C core brings its own TLS and
// HTTP/2 stacks) when python3-grpcio is installed (apt-get install python3-grpcio).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { createLogger } from "../../src/lib/index.ts";
import {
  GrpcStatus,
  GrpcTransportServer,
  WorkflowManagementMethods,
} from "../../src/transport/grpc/index.ts";
import { AccessPolicy } from "../../src/transport/index.ts";
import { FakeNodeApi } from "../contracts/fake-node-api.ts";
import { makeTestCertificates, type TestCertificates } from "../support/test-certificates.ts";
import { loadDefinition, methodOf, type UnaryOutcome } from "./harness.ts";

const TOKEN = "interop-client-token-000000000001";
const PYTHON = "/usr/bin/python3";
const hasPythonGrpc =
  Bun.which(PYTHON) !== null &&
  Bun.spawnSync([PYTHON, "-c", "import grpc"], { stderr: "ignore" }).exitCode === 0;
if (!hasPythonGrpc) {
  console.warn("python3-grpcio is not installed: the Python TLS interop test is skipped");
}

let certificates: TestCertificates;
let server: GrpcTransportServer;
let port = 0;

beforeAll(async () => {
  certificates = makeTestCertificates();
  server = new GrpcTransportServer({
    logger: createLogger({ level: "error", format: "text", write: () => undefined }),
    closeGraceMs: 50,
    tls: {
      cert: certificates.node.cert,
      key: certificates.node.key,
      ca: certificates.ca,
      isClientCertRequired: true,
    },
    access: new AccessPolicy({
      clusterSecret: "interop-cluster-secret-0000000001",
      clientToken: TOKEN,
    }),
  });
  port = (await server.listen("127.0.0.1", 0, new FakeNodeApi())).port;
});

afterAll(async () => {
  await server.close();
  certificates.remove();
});

describe("grpc-js over mutual TLS", () => {
  const definition = loadDefinition();

  function call(
    credentials: grpc.ChannelCredentials,
    service: string,
    method: string,
    request: object,
    metadata: Record<string, string> = {},
  ): Promise<UnaryOutcome<Record<string, unknown>>> {
    // grpc-js would send the IP as TLS server name, which Bun refuses; the certificate also
    // names localhost, so that is the name to check it against.
    const client = new grpc.Client(`127.0.0.1:${port}`, credentials, {
      "grpc.ssl_target_name_override": "localhost",
    });
    const definitionOf = methodOf(definition, service, method);
    const sent = new grpc.Metadata();
    for (const [key, value] of Object.entries(metadata)) sent.set(key, value);
    return new Promise((resolve) => {
      client.makeUnaryRequest(
        definitionOf.path,
        definitionOf.requestSerialize,
        definitionOf.responseDeserialize,
        request,
        sent,
        { deadline: Date.now() + 5_000 },
        (error, response) => {
          client.close();
          if (error) resolve({ ok: false, code: error.code, details: error.details });
          else resolve({ ok: true, response: response as Record<string, unknown> });
        },
      );
    });
  }

  const mutual = () =>
    grpc.credentials.createSsl(
      Buffer.from(certificates.ca),
      Buffer.from(certificates.client.key),
      Buffer.from(certificates.client.cert),
    );
  const RUN = { workflow_type: "ping_pong", version: 1, input_json: '"ping"' };

  test("health and a workflow start with the token", async () => {
    const health = await call(mutual(), "grpc.health.v1.Health", "Check", { service: "" });
    expect(health.ok).toBe(true);
    const started = await call(mutual(), "raftoral.WorkflowManagement", "RunWorkflowAsync", RUN, {
      authorization: `Bearer ${TOKEN}`,
    });
    expect(started).toMatchObject({ ok: true, response: { success: true } });
  });

  test("without the token: UNAUTHENTICATED with the reason", async () => {
    const refused = await call(mutual(), "raftoral.WorkflowManagement", "RunWorkflowAsync", RUN);
    expect(refused).toEqual({
      ok: false,
      code: GrpcStatus.UNAUTHENTICATED,
      details: `${WorkflowManagementMethods.runWorkflowAsync.path}: needs the client token as 'Authorization: Bearer <token>'; clients pass it with --token-file or RAFTORAL_TOKEN (a node joining this cluster needs its --cluster-secret-file instead)`,
    });
  });

  test("without a client certificate, or without TLS: UNAVAILABLE", async () => {
    const noCertificate = await call(
      grpc.credentials.createSsl(Buffer.from(certificates.ca)),
      "grpc.health.v1.Health",
      "Check",
      { service: "" },
    );
    expect(noCertificate).toMatchObject({ ok: false, code: GrpcStatus.UNAVAILABLE });
    const insecure = await call(
      grpc.credentials.createInsecure(),
      "grpc.health.v1.Health",
      "Check",
      {
        service: "",
      },
    );
    expect(insecure).toMatchObject({ ok: false, code: GrpcStatus.UNAVAILABLE });
  });
});

const PYTHON_CLIENT = `
import base64, json, sys, grpc
ca, key, cert, target, request, token = sys.argv[1:7]
read = lambda path: open(path, "rb").read()
credentials = grpc.ssl_channel_credentials(read(ca), read(key), read(cert))
results = {}
with grpc.secure_channel(target, credentials) as channel:
    check = channel.unary_unary("/grpc.health.v1.Health/Check")
    results["health"] = base64.b64encode(check(b"", timeout=5)).decode()
    run = channel.unary_unary("/raftoral.WorkflowManagement/RunWorkflowAsync")
    payload = base64.b64decode(request)
    results["run"] = base64.b64encode(
        run(payload, timeout=5, metadata=[("authorization", "Bearer " + token)])).decode()
    try:
        run(payload, timeout=5)
        results["refused"] = "OK"
    except grpc.RpcError as error:
        results["refused"] = [error.code().name, error.details()]
print(json.dumps(results))
`;

test.skipIf(!hasPythonGrpc)(
  "Python grpcio over mutual TLS, with and without the token",
  async () => {
    const script = join(certificates.directory, "client.py");
    writeFileSync(script, PYTHON_CLIENT);
    const request = WorkflowManagementMethods.runWorkflowAsync.requestCodec.encode({
      workflowType: "ping_pong",
      version: 1,
      inputJson: '"ping"',
      executionClusterId: "",
    });
    // Not spawnSync: our server runs in this process and must keep answering meanwhile.
    const child = Bun.spawn(
      [
        PYTHON,
        script,
        certificates.caFile,
        certificates.client.keyFile,
        certificates.client.certFile,
        `127.0.0.1:${port}`,
        Buffer.from(request).toString("base64"),
        TOKEN,
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    const [stdout, stderr] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    expect(stderr).toBe("");
    const results = JSON.parse(stdout) as {
      health: string;
      run: string;
      refused: [string, string];
    };
    // HealthCheckResponse { status: SERVING (1) }: the fake NodeApi is healthy.
    expect(Buffer.from(results.health, "base64")).toEqual(Buffer.from([0x08, 0x01]));
    const started = WorkflowManagementMethods.runWorkflowAsync.responseCodec.decode(
      Buffer.from(results.run, "base64"),
    );
    expect(started.success).toBe(true);
    expect(results.refused[0]).toBe("UNAUTHENTICATED");
    expect(results.refused[1]).toContain("needs the client token");
  },
);
