// GrpcClient over loopback: reconnect after the server restarts, backoff against a peer that
// keeps dropping connections and its early end (retryNow), the bound on calls in flight, and
// its own deadline timer.

import { afterAll, describe, expect, test } from "bun:test";
import http2 from "node:http2";
import net from "node:net";
import { createLogger } from "../../lib/index.ts";
import { GrpcClient } from "./client.ts";
import { encodeFrame, FRAME_HEADER_BYTES } from "./framing.ts";
import { RaftServiceMethods } from "./raftoral-methods.ts";
import { GrpcServer } from "./server.ts";
import { GrpcStatus, GrpcStatusError } from "./status.ts";

const logger = createLogger({ level: "error", format: "text", write: () => undefined });
const addNode = { nodeId: 1, address: "a" };
const cleanups: (() => Promise<void> | void)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function failure(promise: Promise<unknown>): Promise<GrpcStatusError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GrpcStatusError) return error;
    throw error;
  }
  throw new Error("the call succeeded");
}

async function startServer(port = 0): Promise<{ server: GrpcServer; port: number }> {
  const server = new GrpcServer({ logger, closeGraceMs: 50 });
  server.addUnary(RaftServiceMethods.addNode, async (request) => ({
    success: true,
    error: request.address,
    nodeId: request.nodeId,
  }));
  const bound = await server.listen("127.0.0.1", port);
  cleanups.push(() => server.close());
  return { server, port: bound.port };
}

describe("GrpcClient", () => {
  test("reconnects by itself once the server is back on the same port", async () => {
    const first = await startServer();
    const client = new GrpcClient({
      address: `127.0.0.1:${first.port}`,
      backoff: { initialMs: 20, maxMs: 100, multiplier: 2, jitter: 0 },
    });
    cleanups.push(() => client.close());
    expect((await client.unary(RaftServiceMethods.addNode, addNode)).success).toBe(true);
    await first.server.close();
    const down = await failure(client.unary(RaftServiceMethods.addNode, addNode));
    expect(down.grpcCode).toBe(GrpcStatus.UNAVAILABLE);
    await startServer(first.port);
    const deadline = performance.now() + 3_000;
    for (;;) {
      const outcome = await client.unary(RaftServiceMethods.addNode, addNode).then(
        (response) => response.success,
        (error: unknown) => {
          if (!(error instanceof GrpcStatusError) || error.grpcCode !== GrpcStatus.UNAVAILABLE) {
            throw error;
          }
          return false;
        },
      );
      if (outcome) break;
      expect(performance.now()).toBeLessThan(deadline);
      await Bun.sleep(10);
    }
  });

  test("retryNow ends the reconnect backoff: the next call connects at once", async () => {
    const first = await startServer();
    const client = new GrpcClient({
      address: `127.0.0.1:${first.port}`,
      backoff: { initialMs: 60_000, maxMs: 60_000, multiplier: 2, jitter: 0 },
    });
    cleanups.push(() => client.close());
    await first.server.close();
    // The connection is refused, then a minute of backoff: calls fail at once meanwhile.
    await failure(client.unary(RaftServiceMethods.addNode, addNode));
    await startServer(first.port);
    const waiting = await failure(client.unary(RaftServiceMethods.addNode, addNode));
    expect(waiting.message).toContain("this client connects to it again in");
    client.retryNow();
    expect((await client.unary(RaftServiceMethods.addNode, addNode)).success).toBe(true);
  });

  test("backs off against a peer that drops every connection: no tight connect loop", async () => {
    let connections = 0;
    const dropper = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => dropper.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => dropper.close(() => resolve())));
    const address = dropper.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    // A backoff far longer than the calls below take, however slow the machine.
    const client = new GrpcClient({
      address: `127.0.0.1:${port}`,
      backoff: { initialMs: 60_000, maxMs: 60_000, multiplier: 2, jitter: 0 },
    });
    cleanups.push(() => client.close());
    for (let call = 0; call < 30; call++) {
      const error = await failure(client.unary(RaftServiceMethods.addNode, addNode));
      expect(error.grpcCode).toBe(GrpcStatus.UNAVAILABLE);
    }
    // The first call connected; the other 29 failed at once, inside the backoff.
    expect(connections).toBe(1);
    client.retryNow();
    await failure(client.unary(RaftServiceMethods.addNode, addNode));
    expect(connections).toBe(2);
  });

  test("bounds the calls in flight with a clear RESOURCE_EXHAUSTED", async () => {
    const server = new GrpcServer({ logger, closeGraceMs: 50 });
    const releases: (() => void)[] = [];
    let isBlocking = true;
    server.addUnary(RaftServiceMethods.addNode, async () => {
      if (isBlocking) await new Promise<void>((resolve) => releases.push(resolve));
      return { success: true, error: "", nodeId: 0 };
    });
    const { port } = await server.listen("127.0.0.1", 0);
    cleanups.push(() => server.close());
    const client = new GrpcClient({ address: `127.0.0.1:${port}`, concurrentCallsMax: 3 });
    cleanups.push(() => client.close());
    const inFlight = [1, 2, 3].map(() => client.unary(RaftServiceMethods.addNode, addNode));
    expect(client.activeCalls).toBe(3);
    const refused = await failure(client.unary(RaftServiceMethods.addNode, addNode));
    expect(refused.grpcCode).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(refused.message).toContain("limit 3");
    const deadline = performance.now() + 2_000;
    while (releases.length < 3 && performance.now() < deadline) await Bun.sleep(5);
    isBlocking = false;
    for (const release of releases) release();
    await Promise.all(inFlight);
    expect(client.activeCalls).toBe(0);
    expect((await client.unary(RaftServiceMethods.addNode, addNode)).success).toBe(true);
  });

  test("calls of 1 MB each beside long calls, 60 at once, all go through: none refused or lost", async () => {
    // Bun's HTTP/2 client session refuses new streams past its maxSessionMemory (10 MB unless
    // set) with ENHANCE_YOUR_CALM ("too many calls"), and then failed the whole session,
    // losing the answers of calls already sent: 100 callers that each started a workflow with
    // a 1 MB input and waited for it got one answer. The client's own bounds (calls in
    // flight, message size) must be what limits it. A bare server plays the node: it answers
    // a large call at once and holds a small one (a wait) for a while.
    const server = http2.createServer();
    server.on("stream", (stream: http2.ServerHttp2Stream) => {
      stream.on("error", () => undefined);
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", async () => {
        const body = Buffer.concat(chunks);
        if (body.length < 1_000) await Bun.sleep(1_000);
        const request = RaftServiceMethods.addNode.requestCodec.decode(
          body.subarray(FRAME_HEADER_BYTES),
        );
        const answer = { success: true, error: String(request.address.length), nodeId: 1 };
        if (stream.destroyed) return;
        stream.respond(
          { ":status": 200, "content-type": "application/grpc" },
          { waitForTrailers: true },
        );
        stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
        stream.end(encodeFrame(RaftServiceMethods.addNode.responseCodec.encode(answer)));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as net.AddressInfo;
    const client = new GrpcClient({ address: `127.0.0.1:${port}` });
    cleanups.push(() => client.close());
    const request = {
      ...addNode,
      ...{ workflowFingerprint: "", instanceId: "", rulesVersion: 0, securityProfile: "" },
    };
    const call = (address: string) =>
      client.unary(RaftServiceMethods.addNode, { ...request, address }, { timeoutMs: 20_000 }).then(
        (response) => response.error,
        (error: Error) => error.message,
      );
    const outcomes = await Promise.all(
      Array.from({ length: 60 }, async () => [
        await call("a".repeat(1_000_000)),
        await call("a"),
        await call("a".repeat(1_000_000)),
      ]),
    );
    expect(outcomes.flat()).toEqual(
      Array.from({ length: 60 }, () => ["1000000", "1", "1000000"]).flat(),
    );
  }, 30_000);

  test("a request over the size a call may carry is refused before sending, saying what to do", async () => {
    const { port } = await startServer();
    const client = new GrpcClient({ address: `127.0.0.1:${port}`, sendMessageBytesMax: 64 });
    cleanups.push(() => client.close());
    const big = { nodeId: 1, address: "a".repeat(100) };
    const refused = await failure(client.unary(RaftServiceMethods.addNode, big));
    expect(refused.grpcCode).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(refused.message).toContain("request larger than max (");
    expect(refused.message).toContain("vs. 64 bytes); send less: keep large data outside");
  });

  test("its own timer ends a call the server never answers, and the slot is freed", async () => {
    // A bare HTTP/2 server that ignores grpc-timeout and never replies.
    const silent = http2.createServer();
    silent.on("stream", (stream) => stream.on("error", () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => silent.close(() => resolve())));
    const address = silent.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    const client = new GrpcClient({ address: `127.0.0.1:${port}` });
    cleanups.push(() => client.close());
    const started = performance.now();
    const error = await failure(
      client.unary(RaftServiceMethods.addNode, addNode, { timeoutMs: 100 }),
    );
    expect(error.grpcCode).toBe(GrpcStatus.DEADLINE_EXCEEDED);
    expect(error.code).toBe("TIMEOUT");
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(client.activeCalls).toBe(0);
    const late = await failure(
      client.unary(RaftServiceMethods.addNode, addNode, { deadlineMs: performance.now() - 1 }),
    );
    expect(late.grpcCode).toBe(GrpcStatus.DEADLINE_EXCEEDED);
  });

  test("refuses reserved metadata keys", async () => {
    const client = new GrpcClient({ address: "127.0.0.1:1" });
    await expect(
      client.unary(RaftServiceMethods.addNode, addNode, { metadata: { "grpc-status": "0" } }),
    ).rejects.toThrow("reserved");
    client.close();
  });
});
