// Our client against a @grpc/grpc-js server: unary calls, errors sent Trailers-Only and after
// a message, metadata and grpc-timeout reaching the server.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import type * as protoLoader from "@grpc/proto-loader";
import {
  GrpcClient,
  GrpcStatus,
  GrpcStatusError,
  HealthMethods,
  RaftServiceMethods,
} from "../../src/transport/grpc/index.ts";
import { loadDefinition, NON_ASCII_MESSAGE } from "./harness.ts";

function serviceOf(
  definition: protoLoader.PackageDefinition,
  name: string,
): grpc.ServiceDefinition {
  const service = definition[name];
  if (service === undefined || "format" in service) throw new Error(`no service ${name}`);
  return service as grpc.ServiceDefinition;
}

type Callback = grpc.sendUnaryData<object>;

describe("our client -> grpc-js server", () => {
  const server = new grpc.Server();
  let client: GrpcClient;
  let seenMetadata: grpc.Metadata | undefined;
  let seenDeadline: grpc.Deadline | undefined;

  beforeAll(async () => {
    const definition = loadDefinition();
    server.addService(serviceOf(definition, "raftoral.RaftService"), {
      Discover: (call: grpc.ServerUnaryCall<object, object>, callback: Callback) => {
        seenMetadata = call.metadata;
        seenDeadline = call.getDeadline();
        callback(null, { node_id: "9007199254740991", address: "grpc-js:1", max_voters: 5 });
      },
      AddNode: (_call: grpc.ServerUnaryCall<object, object>, callback: Callback) =>
        callback({ code: grpc.status.NOT_FOUND, details: NON_ASCII_MESSAGE }),
    });
    // Raw bytes out: DiscoveryResponse.node_id (field 1) = 2^64 - 1, which no double holds.
    const identity = (bytes: Buffer): Buffer => bytes;
    const raw: grpc.ServiceDefinition = {
      Huge: {
        path: "/test.Raw/Huge",
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    };
    server.addService(raw, {
      Huge: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
        callback(null, Buffer.from([0x08, ...new Array(9).fill(0xff), 0x01])),
    });
    server.addService(serviceOf(definition, "grpc.health.v1.Health"), {
      Check: (_call: grpc.ServerUnaryCall<object, object>, callback: Callback) =>
        callback(null, { status: 1 }),
      Watch: (call: grpc.ServerWritableStream<object, object>) => {
        call.write({ status: 1 });
        // A status after a message travels in real trailers, not Trailers-Only.
        call.emit("error", { code: grpc.status.FAILED_PRECONDITION, details: "stopped: é" });
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    client = new GrpcClient({ address: `127.0.0.1:${port}` });
  });

  afterAll(() => {
    client.close();
    server.forceShutdown();
  });

  test("a unary call decodes grpc-js's response; metadata and deadline reach the server", async () => {
    const response = await client.unary(
      RaftServiceMethods.discover,
      {},
      { timeoutMs: 5_000, metadata: { "x-request-id": "r-1" } },
    );
    expect(response).toMatchObject({
      nodeId: Number.MAX_SAFE_INTEGER,
      address: "grpc-js:1",
      maxVoters: 5,
    });
    expect(seenMetadata?.get("x-request-id")).toEqual(["r-1"]);
    const remainingMs = Number(seenDeadline) - Date.now();
    expect(remainingMs).toBeGreaterThan(0);
    expect(remainingMs).toBeLessThanOrEqual(5_000);
  });

  test("an error status (Trailers-Only) keeps its code and non-ASCII message", async () => {
    const error = await client
      .unary(RaftServiceMethods.addNode, {
        nodeId: 1,
        address: "",
        workflowFingerprint: "",
        instanceId: "",
        rulesVersion: 0,
        securityProfile: "",
      })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(GrpcStatusError);
    expect((error as GrpcStatusError).grpcCode).toBe(GrpcStatus.NOT_FOUND);
    expect((error as GrpcStatusError).message).toBe(NON_ASCII_MESSAGE);
  });

  test("a status in trailers after a message ends a stream with that status", async () => {
    const seen: number[] = [];
    let failure: unknown;
    try {
      for await (const response of client.serverStreaming(HealthMethods.watch, { service: "" })) {
        seen.push(response.status);
      }
    } catch (error) {
      failure = error;
    }
    expect(seen).toEqual([1]);
    expect((failure as GrpcStatusError).grpcCode).toBe(GrpcStatus.FAILED_PRECONDITION);
    expect((failure as GrpcStatusError).message).toBe("stopped: é");
  });

  test("a response we cannot represent exactly is INVALID_ARGUMENT, not a wrong number", async () => {
    const method = { ...RaftServiceMethods.discover, path: "/test.Raw/Huge" };
    const error = await client.unary(method, {}).catch((reason: unknown) => reason);
    expect((error as GrpcStatusError).grpcCode).toBe(GrpcStatus.INVALID_ARGUMENT);
  });
});
