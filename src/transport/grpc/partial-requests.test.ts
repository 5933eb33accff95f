// Request messages a client begins and does not finish, on a real server over loopback: a
// client that sent all of a 1 MiB message but its last byte, on many calls, held 1 MiB of the
// node's memory per call for as long as it liked. Large messages now share a budget (refused
// past it, freed when whole or when their call ends), must be whole within a deadline, small
// ones always go, and peer batches are never counted.

import { afterEach, expect, test } from "bun:test";
import http2 from "node:http2";
import { waitUntil } from "../../../test/contracts/fake-node-api.ts";
import { createLogger } from "../../lib/index.ts";
import { encodeFrame } from "./framing.ts";
import type { MessageCodec } from "./message-codec.ts";
import type { MethodDescriptor } from "./method.ts";
import { GrpcServer } from "./server.ts";

const logger = createLogger({ level: "error", format: "text", write: () => undefined });
const LARGE = 200 * 1024;

const bytes: MessageCodec<Uint8Array> = {
  typeName: "test.Bytes",
  encode: (value) => value,
  decode: (value) => value,
};
/** Answers with the request's length. */
const echo: MethodDescriptor<Uint8Array, Uint8Array> = {
  path: "/test.Requests/Length",
  requestCodec: bytes,
  responseCodec: bytes,
  isRequestStream: false,
  isResponseStream: false,
};
const peerEcho = { ...echo, path: "/test.Requests/PeerLength" };

const servers: GrpcServer[] = [];
const sessions: http2.ClientHttp2Session[] = [];
afterEach(async () => {
  for (const session of sessions.splice(0)) session.destroy();
  for (const server of servers.splice(0)) await server.close();
});

/** A server whose budget takes one large message of LARGE bytes, not two. */
async function server(partialRequestMs = 60_000): Promise<http2.ClientHttp2Session> {
  const grpc = new GrpcServer({
    logger,
    closeGraceMs: 20,
    partialRequestBytesMax: LARGE + LARGE / 2,
    partialRequestMs,
  });
  const answer = async (request: Uint8Array) => new TextEncoder().encode(`${request.byteLength}`);
  grpc.addUnary(echo, answer);
  grpc.addUnary(peerEcho, answer, { isPeerTraffic: true });
  servers.push(grpc);
  const { port } = await grpc.listen("127.0.0.1", 0);
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on("error", () => undefined);
  sessions.push(session);
  return session;
}

interface Call {
  status: string | undefined;
  message: string | undefined;
  /** Sends the rest of the message: its last byte. */
  finish(): void;
}

/** A call sending a message of `size` bytes but its last byte, which waits for finish(). */
function begin(session: http2.ClientHttp2Session, size: number, path = echo.path): Call {
  const frame = encodeFrame(new Uint8Array(size));
  const stream = session.request({
    ":method": "POST",
    ":path": path,
    "content-type": "application/grpc",
    te: "trailers",
  });
  stream.on("error", () => undefined);
  const call: Call = {
    status: undefined,
    message: undefined,
    finish: () => stream.end(frame.subarray(frame.byteLength - 1)),
  };
  const onStatus = (headers: http2.IncomingHttpHeaders) => {
    const status = headers["grpc-status"];
    if (status === undefined) return;
    call.status = String(status);
    call.message = decodeURIComponent(String(headers["grpc-message"] ?? ""));
  };
  stream.on("response", onStatus);
  stream.on("trailers", onStatus);
  stream.on("data", () => undefined);
  stream.write(frame.subarray(0, frame.byteLength - 1));
  return call;
}

test("a large message that does not fit the budget is refused; small ones still go", async () => {
  const session = await server();
  const held = begin(session, LARGE);
  const refused = begin(session, LARGE);
  await waitUntil(() => refused.status !== undefined, "the call's status", 10_000);
  expect(refused.status).toBe("8"); // RESOURCE_EXHAUSTED
  expect(refused.message).toContain("request messages still arriving");
  const small = begin(session, 1024);
  small.finish();
  await waitUntil(() => small.status !== undefined, "the call's status", 10_000);
  expect(small.status).toBe("0");
  // Once the held one is whole, its bytes go back and the next large one goes.
  held.finish();
  await waitUntil(() => held.status !== undefined, "the call's status", 10_000);
  expect(held.status).toBe("0");
  const next = begin(session, LARGE);
  next.finish();
  await waitUntil(() => next.status !== undefined, "the call's status", 10_000);
  expect(next.status).toBe("0");
});

test("a large message not whole in time ends its call and frees its place", async () => {
  const session = await server(300);
  const stalled = begin(session, LARGE);
  await waitUntil(() => stalled.status !== undefined, "the call's status", 10_000);
  expect(stalled.status).toBe("4"); // DEADLINE_EXCEEDED
  expect(stalled.message).toContain("did not arrive within 300 ms");
  const next = begin(session, LARGE);
  next.finish();
  await waitUntil(() => next.status !== undefined, "the call's status", 10_000);
  expect(next.status).toBe("0");
});

test("peer batches are never counted", async () => {
  const session = await server();
  const held = begin(session, LARGE);
  const peers = [begin(session, LARGE, peerEcho.path), begin(session, LARGE, peerEcho.path)];
  for (const peer of peers) peer.finish();
  await waitUntil(
    () => peers.every((peer) => peer.status !== undefined),
    "the call's status",
    10_000,
  );
  expect(peers.map((peer) => peer.status)).toEqual(["0", "0"]);
  held.finish();
  await waitUntil(() => held.status !== undefined, "the call's status", 10_000);
  expect(held.status).toBe("0");
});
