// Raw HTTP/2 requests our client would never send: bad frames, bad headers, resets. The server
// must answer each with the right status (or HTTP error) and keep serving everyone else.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import http2 from "node:http2";
import {
  encodeFrame,
  GrpcClient,
  GrpcStatus,
  RaftServiceMethods,
} from "../../src/transport/grpc/index.ts";
import { type ReferenceServer, startReferenceServer, waitFor } from "./harness.ts";

interface RawOutcome {
  readonly httpStatus: number | undefined;
  readonly grpcStatus: string | undefined;
  readonly grpcMessage: string | undefined;
  readonly headers: http2.IncomingHttpHeaders;
}

interface RawRequest {
  readonly path?: string;
  readonly method?: string;
  readonly headers?: http2.OutgoingHttpHeaders;
  readonly chunks?: readonly Uint8Array[];
  /** False keeps our side open: the server must answer without waiting for the end. */
  readonly endStream?: boolean;
}

function frameHeader(flags: number, length: number): Uint8Array {
  const header = new Uint8Array(5);
  header[0] = flags;
  new DataView(header.buffer).setUint32(1, length);
  return header;
}

describe("malformed input", () => {
  let reference: ReferenceServer;
  let session: http2.ClientHttp2Session;
  let client: GrpcClient;

  beforeAll(async () => {
    reference = await startReferenceServer();
    session = http2.connect(`http://${reference.address}`);
    session.on("error", () => undefined); // Tests below check each stream's outcome instead.
    client = new GrpcClient({ address: reference.address });
  });

  afterAll(async () => {
    client.close();
    session.destroy();
    await reference.server.close();
  });

  /** Sends one raw request; resolves once a status (or a non-gRPC HTTP answer) is in. */
  function raw(request: RawRequest): Promise<RawOutcome> {
    return new Promise((resolve, reject) => {
      const stream = session.request({
        ":method": request.method ?? "POST",
        ":path": request.path ?? "/raftoral.RaftService/SendMessage",
        "content-type": "application/grpc",
        te: "trailers",
        ...request.headers,
      });
      let headers: http2.IncomingHttpHeaders = {};
      const finish = (final: http2.IncomingHttpHeaders): void => {
        const text = (key: string): string | undefined => {
          const value = final[key] ?? headers[key];
          return typeof value === "string" ? value : undefined;
        };
        const httpStatus = headers[":status"];
        resolve({
          httpStatus: typeof httpStatus === "number" ? httpStatus : undefined,
          grpcStatus: text("grpc-status"),
          grpcMessage: text("grpc-message"),
          headers,
        });
        if (!stream.closed) stream.close();
      };
      stream.on("response", (received) => {
        headers = received;
        if (received["grpc-status"] !== undefined || received[":status"] !== 200) finish({});
      });
      stream.on("trailers", finish);
      stream.on("data", () => undefined);
      stream.on("error", reject);
      for (const chunk of request.chunks ?? []) stream.write(chunk);
      if (request.endStream !== false) stream.end();
    });
  }

  async function expectStillServing(): Promise<void> {
    const response = await client.unary(RaftServiceMethods.discover, {}, { timeoutMs: 2_000 });
    expect(response.maxVoters).toBe(5);
  }

  test("a declared length over the limit is refused before the body is sent", async () => {
    const outcome = await raw({ chunks: [frameHeader(0, 0xfffffff0)], endStream: false });
    expect(outcome.grpcStatus).toBe(String(GrpcStatus.RESOURCE_EXHAUSTED));
    await expectStillServing();
  });

  test("a frame cut short by the end of the stream is INTERNAL", async () => {
    const outcome = await raw({ chunks: [frameHeader(0, 10), new Uint8Array(3)] });
    expect(outcome.grpcStatus).toBe(String(GrpcStatus.INTERNAL));
    expect(outcome.grpcMessage).toContain("truncated");
    await expectStillServing();
  });

  test("a length prefix cut short is INTERNAL too", async () => {
    const outcome = await raw({ chunks: [new Uint8Array([0, 0, 0])] });
    expect(outcome.grpcStatus).toBe(String(GrpcStatus.INTERNAL));
    await expectStillServing();
  });

  test("garbage protobuf is INVALID_ARGUMENT", async () => {
    const outcome = await raw({ chunks: [encodeFrame(new Uint8Array([0xff, 0xff, 0xff]))] });
    expect(outcome.grpcStatus).toBe(String(GrpcStatus.INVALID_ARGUMENT));
    await expectStillServing();
  });

  test("a compressed frame without an encoding is INTERNAL; gzip is UNIMPLEMENTED", async () => {
    const compressed = await raw({ chunks: [frameHeader(1, 0)] });
    expect(compressed.grpcStatus).toBe(String(GrpcStatus.INTERNAL));
    const gzip = await raw({ headers: { "grpc-encoding": "gzip" }, chunks: [frameHeader(1, 0)] });
    expect(gzip.grpcStatus).toBe(String(GrpcStatus.UNIMPLEMENTED));
    expect(gzip.headers["grpc-accept-encoding"]).toBe("identity");
    await expectStillServing();
  });

  test("zero or two messages to a unary method are UNIMPLEMENTED (cardinality)", async () => {
    const none = await raw({ path: "/raftoral.RaftService/Discover" });
    expect(none.grpcStatus).toBe(String(GrpcStatus.UNIMPLEMENTED));
    const empty = encodeFrame(new Uint8Array());
    const two = await raw({ path: "/raftoral.RaftService/Discover", chunks: [empty, empty] });
    expect(two.grpcStatus).toBe(String(GrpcStatus.UNIMPLEMENTED));
    await expectStillServing();
  });

  test("a wrong content-type gets HTTP 415 and GET gets 405", async () => {
    const json = await raw({ headers: { "content-type": "application/json" } });
    expect(json.httpStatus).toBe(415);
    const get = await raw({ method: "GET" });
    expect(get.httpStatus).toBe(405);
    await expectStillServing();
  });

  test("a malformed grpc-timeout is INTERNAL", async () => {
    const outcome = await raw({
      path: "/raftoral.RaftService/Discover",
      headers: { "grpc-timeout": "soon" },
      chunks: [encodeFrame(new Uint8Array())],
    });
    expect(outcome.grpcStatus).toBe(String(GrpcStatus.INTERNAL));
    await expectStillServing();
  });

  test("client resets mid-call and dropped connections do not hurt the server", async () => {
    const stream = session.request({
      ":method": "POST",
      ":path": "/raftoral.WorkflowManagement/RunWorkflowSync",
      "content-type": "application/grpc",
    });
    stream.on("error", () => undefined); // The reset below is ours.
    stream.end(encodeFrame(new Uint8Array()));
    await waitFor(() => reference.server.activeCalls === 1);
    stream.close(http2.constants.NGHTTP2_CANCEL);
    await waitFor(() => reference.server.activeCalls === 0);

    const doomed = http2.connect(`http://${reference.address}`);
    doomed.on("error", () => undefined);
    for (let index = 0; index < 5; index++) {
      const call = doomed.request({
        ":method": "POST",
        ":path": "/raftoral.WorkflowManagement/RunWorkflowSync",
        "content-type": "application/grpc",
      });
      call.on("error", () => undefined);
      call.end(encodeFrame(new Uint8Array()));
    }
    await waitFor(() => reference.server.activeCalls === 5);
    doomed.destroy();
    await waitFor(() => reference.server.activeCalls === 0);
    await expectStillServing();
    expect(reference.logLines).toEqual([]);
  });
});
