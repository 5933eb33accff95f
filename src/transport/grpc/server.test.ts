// Our client against our server over loopback: status mapping, deadlines, limits, cancellation
// and shutdown. The wire-level edge cases live in test/interop/malformed-input.test.ts.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import http2 from "node:http2";
import { createLogger, RaftoralError } from "../../lib/index.ts";
import { GrpcClient } from "./client.ts";
import { encodeFrame } from "./framing.ts";
import { type HealthCheckRequest, HealthMethods } from "./health.ts";
import type { CallContext, MethodDescriptor } from "./method.ts";
import type { GenericMessage, RunWorkflowResponse } from "./raftoral-messages.ts";
import { RaftServiceMethods, WorkflowManagementMethods } from "./raftoral-methods.ts";
import { GrpcServer, ListenError } from "./server.ts";
import { GrpcStatus, GrpcStatusError, INTERNAL_MESSAGE } from "./status.ts";

const logLines: string[] = [];
const logger = createLogger({
  level: "error",
  format: "text",
  write: (line) => logLines.push(line),
});

/** Polls until `predicate` holds; fails after `timeoutMs`. */
async function waitFor(predicate: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error("condition not met in time");
    await Bun.sleep(5);
  }
}

async function failure(promise: Promise<unknown>): Promise<GrpcStatusError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GrpcStatusError) return error;
    throw error;
  }
  throw new Error("the call succeeded");
}

/** One call over a raw node:http2 session, to send headers our client would not send. */
function rawUnary(
  port: number,
  path: string,
  headers: http2.OutgoingHttpHeaders,
): Promise<{ status: string | undefined }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on("error", reject);
    const stream = session.request({
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc",
      te: "trailers",
      ...headers,
    });
    let status: string | undefined;
    const take = (received: http2.IncomingHttpHeaders): void => {
      const value = received["grpc-status"];
      if (typeof value === "string") status = value;
    };
    stream.on("response", take);
    stream.on("trailers", take);
    stream.on("data", () => undefined); // Drain: we only look at the status.
    stream.on("error", reject);
    stream.on("close", () => {
      session.close();
      resolve({ status });
    });
    stream.end(encodeFrame(new Uint8Array()));
  });
}

const raftMessage = (size: number): GenericMessage => ({
  clusterId: 1,
  message: "raftMessage",
  raftMessage: new Uint8Array(size).fill(7),
});

describe("GrpcServer with GrpcClient", () => {
  const server = new GrpcServer({
    logger,
    receiveMessageBytesMax: 64 * 1024,
    sendMessageBytesMax: 64 * 1024,
  });
  let client: GrpcClient;
  let port = 0;
  let lastContext: CallContext | undefined;

  beforeAll(async () => {
    server.addUnary(RaftServiceMethods.sendMessage, async (request, context) => {
      lastContext = context;
      if (request.message !== "raftMessage") return { success: false, error: "expected bytes" };
      return { success: true, error: String(request.raftMessage.byteLength) };
    });
    server.addUnary(RaftServiceMethods.addNode, async (request) => {
      if (request.nodeId === 1)
        throw new GrpcStatusError(GrpcStatus.ALREADY_EXISTS, "node 1 exists");
      if (request.nodeId === 2) throw new RaftoralError("NOT_LEADER", "node 3 leads; retry there");
      if (request.nodeId === 3) throw new Error("secret path /var/lib/x");
      return { success: true, error: request.address, nodeId: request.nodeId };
    });
    server.addUnary(RaftServiceMethods.discover, async (_request, context) => {
      lastContext = context;
      // Waits for the deadline or a cancel: the signal must abort either way.
      await new Promise((resolve) => context.signal.addEventListener("abort", resolve));
      return { ...emptyDiscovery };
    });
    server.addUnary(WorkflowManagementMethods.runWorkflowSync, async (request) => ({
      success: true,
      resultJson: "x".repeat(request.version),
      error: "",
    }));
    port = (await server.listen("127.0.0.1", 0)).port;
    client = new GrpcClient({ address: `127.0.0.1:${port}`, receiveMessageBytesMax: 32 * 1024 });
  });

  afterAll(async () => {
    client.close();
    await server.close();
  });

  test("a unary call returns the handler's response and passes metadata and peer", async () => {
    const response = await client.unary(RaftServiceMethods.sendMessage, raftMessage(10), {
      metadata: { "x-trace": "abc" },
      timeoutMs: 5_000,
    });
    expect(response).toEqual({ success: true, error: "10" });
    expect(lastContext?.metadata["x-trace"]).toBe("abc");
    expect(lastContext?.peer).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(lastContext?.deadlineMs).toBeGreaterThan(performance.now());
  });

  test("many calls multiplex on one session", async () => {
    const calls = Array.from({ length: 50 }, (_, index) =>
      client.unary(RaftServiceMethods.sendMessage, raftMessage(index)),
    );
    const responses = await Promise.all(calls);
    expect(responses.map((response) => response.error)).toEqual(
      calls.map((_, index) => String(index)),
    );
  });

  test("handler errors map to statuses; unexpected ones stay private and are logged", async () => {
    const call = (nodeId: number) =>
      client.unary(RaftServiceMethods.addNode, {
        nodeId,
        address: "a",
        workflowFingerprint: "",
        instanceId: "",
        rulesVersion: 0,
        securityProfile: "",
      });
    const exists = await failure(call(1));
    expect([exists.grpcCode, exists.message]).toEqual([GrpcStatus.ALREADY_EXISTS, "node 1 exists"]);
    const notLeader = await failure(call(2));
    expect([notLeader.grpcCode, notLeader.code]).toEqual([GrpcStatus.UNAVAILABLE, "UNAVAILABLE"]);
    expect(notLeader.message).toBe("node 3 leads; retry there");
    const internal = await failure(call(3));
    expect([internal.grpcCode, internal.message]).toEqual([GrpcStatus.INTERNAL, INTERNAL_MESSAGE]);
    expect(logLines.some((line) => line.includes("secret path"))).toBe(true);
  });

  test("the deadline ends the call with DEADLINE_EXCEEDED and aborts the handler", async () => {
    const started = performance.now();
    const error = await failure(client.unary(RaftServiceMethods.discover, {}, { timeoutMs: 100 }));
    expect(error.grpcCode).toBe(GrpcStatus.DEADLINE_EXCEEDED);
    expect(performance.now() - started).toBeLessThan(2_000);
    await waitFor(() => lastContext?.signal.aborted === true);
  });

  test("the server enforces grpc-timeout on its own", async () => {
    // Our client keeps its own timer longer, so the server's status must arrive first.
    const raw = await rawUnary(port, "/raftoral.RaftService/Discover", { "grpc-timeout": "50m" });
    expect(raw.status).toBe(String(GrpcStatus.DEADLINE_EXCEEDED));
  });

  test("a caller's abort cancels the call and the handler's signal", async () => {
    const abort = new AbortController();
    const pending = failure(
      client.unary(RaftServiceMethods.discover, {}, { signal: abort.signal }),
    );
    await waitFor(() => lastContext !== undefined && !lastContext.signal.aborted);
    const context = lastContext;
    abort.abort();
    expect((await pending).grpcCode).toBe(GrpcStatus.CANCELLED);
    await waitFor(() => context?.signal.aborted === true);
  });

  test("message limits hold both ways", async () => {
    const tooBig = await failure(client.unary(RaftServiceMethods.sendMessage, raftMessage(70_000)));
    expect(tooBig.grpcCode).toBe(GrpcStatus.RESOURCE_EXHAUSTED); // client refuses to send it
    const big = { workflowType: "w", inputJson: "" };
    const received = await failure(
      client.unary(WorkflowManagementMethods.runWorkflowSync, { ...big, version: 40_000 }),
    );
    expect(received.grpcCode).toBe(GrpcStatus.RESOURCE_EXHAUSTED); // over our receive max
    const sent = await failure(
      client.unary(WorkflowManagementMethods.runWorkflowSync, { ...big, version: 70_000 }),
    );
    expect(sent.grpcCode).toBe(GrpcStatus.RESOURCE_EXHAUSTED); // over the server's send max
    const ok = await client.unary(WorkflowManagementMethods.runWorkflowSync, {
      ...big,
      version: 20_000,
    });
    expect(ok.resultJson.length).toBe(20_000);
  });

  test("an unknown method is UNIMPLEMENTED", async () => {
    const other = new GrpcServer({ logger });
    const { port } = await other.listen("127.0.0.1", 0);
    const otherClient = new GrpcClient({ address: `127.0.0.1:${port}` });
    const unknown = await failure(
      otherClient.unary(RaftServiceMethods.sendMessage, raftMessage(1)),
    );
    expect(unknown.grpcCode).toBe(GrpcStatus.UNIMPLEMENTED);
    expect(unknown.message).toContain("/raftoral.RaftService/SendMessage");
    otherClient.close();
    await other.close();
  });

  test("listening on a taken port fails with ListenError naming EADDRINUSE", async () => {
    const other = new GrpcServer({ logger });
    const error = await other.listen("127.0.0.1", port).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(ListenError);
    expect((error as ListenError).systemCode).toBe("EADDRINUSE");
    expect((error as ListenError).message).toContain("Address already in use");
    await other.close();
  });
});

const emptyDiscovery = {
  nodeId: 0,
  highestKnownNodeId: 0,
  address: "",
  managementLeaderNodeId: 0,
  managementLeaderAddress: "",
  shouldJoinAsVoter: false,
  currentVoterCount: 0,
  maxVoters: 0,
};

describe("GrpcServer.close", () => {
  test("lets calls in flight finish; a call still running when the grace ends loses its answer", async () => {
    const server = new GrpcServer({ logger, closeGraceMs: 300 });
    let handlerSignal: AbortSignal | undefined;
    let calls = 0;
    server.addUnary(RaftServiceMethods.discover, async (_request, context) => {
      calls++;
      if (calls === 1) {
        // The call that never ends: only the server's end aborts it.
        handlerSignal = context.signal;
        await new Promise((resolve) => context.signal.addEventListener("abort", resolve));
      } else {
        await Bun.sleep(100); // done during the grace, as a start taken before the close
      }
      return { ...emptyDiscovery, nodeId: calls };
    });
    const { port } = await server.listen("127.0.0.1", 0);
    const client = new GrpcClient({ address: `127.0.0.1:${port}` });
    const endless = failure(client.unary(RaftServiceMethods.discover, {}));
    await waitFor(() => handlerSignal !== undefined);
    const finishing = client.unary(RaftServiceMethods.discover, {});
    await waitFor(() => calls === 2);
    const started = performance.now();
    await server.close();
    expect(performance.now() - started).toBeLessThan(1_000);
    // Before, both were answered UNAVAILABLE "retry on another node", done or not.
    expect(await finishing).toMatchObject({ nodeId: 2 });
    const lost = await endless;
    expect({ code: lost.grpcCode, isAnswerLost: lost.isAnswerLost }).toEqual({
      code: GrpcStatus.UNAVAILABLE,
      isAnswerLost: true,
    });
    expect(handlerSignal?.aborted).toBe(true);
    const after = await failure(
      client.unary(RaftServiceMethods.discover, {}, { timeoutMs: 1_000 }),
    );
    expect(after.grpcCode).toBe(GrpcStatus.UNAVAILABLE);
    client.close();
  });

  test("closing a server that never listened resolves", async () => {
    await new GrpcServer({ logger, closeGraceMs: 10 }).close();
  });
});

describe("server streaming with backpressure", () => {
  test("a slow consumer holds the producer back, then gets every message in order", async () => {
    const server = new GrpcServer({ logger, closeGraceMs: 50 });
    const many: MethodDescriptor<HealthCheckRequest, RunWorkflowResponse> = {
      path: "/test.Stream/Many",
      requestCodec: HealthMethods.watch.requestCodec,
      responseCodec: WorkflowManagementMethods.runWorkflowSync.responseCodec,
      isRequestStream: false,
      isResponseStream: true,
    };
    const total = 300;
    let produced = 0;
    server.addServerStreaming(many, async function* () {
      for (let index = 0; index < total; index++) {
        produced++;
        yield { success: true, resultJson: String(index).padEnd(10_000, "."), error: "" };
      }
    });
    const { port } = await server.listen("127.0.0.1", 0);
    const client = new GrpcClient({ address: `127.0.0.1:${port}` });
    const iterator = client.serverStreaming(many, { service: "" })[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value?.resultJson.startsWith("0.")).toBe(true);
    // Stop reading: HTTP/2 flow control must stall the handler well before all 3 MB.
    await waitFor(() => produced > 20);
    let stable = produced;
    await waitFor(() => {
      const isStable = produced === stable;
      stable = produced;
      return isStable;
    });
    expect(produced).toBeLessThan(total / 2);
    let next = 1;
    for (let item = await iterator.next(); item.done !== true; item = await iterator.next()) {
      expect(Number.parseInt(item.value.resultJson, 10)).toBe(next++);
    }
    expect(next).toBe(total);
    client.close();
    await server.close();
  });
});
