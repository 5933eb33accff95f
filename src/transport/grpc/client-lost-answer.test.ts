// Whether a failed call may have reached the server (RaftoralError.isAnswerLost): a caller
// sends a call that is not idempotent again only when it cannot have.

import { afterAll, expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import http2 from "node:http2";
import { callFailure } from "../../../test/support/outcomes.ts";
import { freePort } from "../../../test/support/ports.ts";
import { VirtualClock } from "../../lib/index.ts";
import { GrpcClient } from "./client.ts";
import { startClientCall } from "./client-call.ts";
import { RaftServiceMethods } from "./raftoral-methods.ts";

const addNode = { nodeId: 1, address: "a" };
const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const cleanup of cleanups) cleanup();
});

test("a server that took the request and dropped the connection leaves the answer lost", async () => {
  let received = 0;
  const server = http2.createServer();
  server.on("stream", (stream) => {
    received++;
    stream.session?.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => server.close());
  const { port } = server.address() as { port: number };
  const client = new GrpcClient({ address: `127.0.0.1:${port}` });
  cleanups.push(() => client.close());
  const failure = await callFailure(client.unary(RaftServiceMethods.addNode, addNode));
  expect({ code: failure.code, isAnswerLost: failure.isAnswerLost, received }).toEqual({
    code: "UNAVAILABLE",
    isAnswerLost: true,
    received: 1,
  });
  // It spoke HTTP/2 in the clear first: a node that stopped, not one that wants TLS.
  expect(failure.message).not.toContain("TLS");
});

test("a refused connection cannot have delivered the request", async () => {
  const client = new GrpcClient({ address: `127.0.0.1:${await freePort()}` });
  cleanups.push(() => client.close());
  const failure = await callFailure(client.unary(RaftServiceMethods.addNode, addNode));
  expect({ code: failure.code, isAnswerLost: failure.isAnswerLost }).toEqual({
    code: "UNAVAILABLE",
    isAnswerLost: false,
  });
});

test("a stream the session would not open after the server's GOAWAY was never sent", async () => {
  // As Bun reports it when the GOAWAY arrives as the call starts: the stream fails, then closes.
  const stream = Object.assign(new EventEmitter(), {
    rstCode: 0,
    closed: false,
    destroyed: false,
    end: () => undefined,
    isPaused: () => false,
  });
  const session = { request: () => stream, destroyed: false, closed: false };
  const call = startClientCall({
    session: session as unknown as http2.ClientHttp2Session,
    address: "127.0.0.1:1",
    path: RaftServiceMethods.addNode.path,
    request: new Uint8Array(1),
    headers: {},
    timeoutMs: undefined,
    signal: undefined,
    clock: new VirtualClock(),
    receiveMessageBytesMax: 1024,
    onAnswered: () => undefined,
    describeFailure: (failure) => failure,
    hasPeerSpoken: () => true,
    onDone: () => undefined,
  });
  const goaway = Object.assign(
    new Error("New streams cannot be created after receiving a GOAWAY"),
    {
      code: "ERR_HTTP2_GOAWAY_SESSION",
    },
  );
  stream.emit("error", goaway);
  stream.emit("close");
  const failure = await callFailure(call.responses.next());
  expect({ code: failure.code, isAnswerLost: failure.isAnswerLost }).toEqual({
    code: "UNAVAILABLE",
    isAnswerLost: false,
  });
});
