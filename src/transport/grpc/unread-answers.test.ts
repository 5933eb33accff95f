// Answers a client does not read, on a real server over loopback: a client with a window of 0
// asked for many large answers and the server held them all in memory. Large answers now
// share a budget (refused past it, freed as they are read), small ones always go, and an
// answer left unread after its call ended has its stream reset.

import { afterEach, expect, test } from "bun:test";
import http2 from "node:http2";
import { waitUntil } from "../../../test/contracts/fake-node-api.ts";
import { createLogger } from "../../lib/index.ts";
import type { MessageCodec } from "./message-codec.ts";
import type { MethodDescriptor } from "./method.ts";
import { GrpcServer, type GrpcServerOptions } from "./server.ts";
import { SMALL_ANSWER_BYTES } from "./unread-answers.ts";

const logger = createLogger({ level: "error", format: "text", write: () => undefined });
const LARGE = 200 * 1024;

const bytes: MessageCodec<Uint8Array> = {
  typeName: "test.Bytes",
  encode: (value) => value,
  decode: (value) => value,
};
/** Answers with as many bytes as the request's first byte says, in KiB. */
const sized: MethodDescriptor<Uint8Array, Uint8Array> = {
  path: "/test.Answers/Sized",
  requestCodec: bytes,
  responseCodec: bytes,
  isRequestStream: false,
  isResponseStream: false,
};

/** A stream of answers: one for each request, sized as `sized`'s. */
const sizedStream: MethodDescriptor<Uint8Array, Uint8Array> = {
  ...sized,
  path: "/test.Answers/SizedStream",
  isRequestStream: true,
  isResponseStream: true,
};

const servers: GrpcServer[] = [];
const sessions: http2.ClientHttp2Session[] = [];
afterEach(async () => {
  for (const session of sessions.splice(0)) session.destroy();
  for (const server of servers.splice(0)) await server.close();
});

async function serverWith(options: Partial<GrpcServerOptions>): Promise<string> {
  const server = new GrpcServer({ logger, closeGraceMs: 20, ...options });
  server.addUnary(sized, async (request) => new Uint8Array((request[0] ?? 0) * 1024));
  server.addBidiStreaming(sizedStream, async function* (requests) {
    for await (const request of requests) yield new Uint8Array((request[0] ?? 0) * 1024);
  });
  servers.push(server);
  const { port } = await server.listen("127.0.0.1", 0);
  return `http://127.0.0.1:${port}`;
}

/** A client connection that reads nothing until told: its window is 0. */
function unreadingSession(address: string): http2.ClientHttp2Session {
  const session = http2.connect(address, { settings: { initialWindowSize: 0 } });
  session.on("error", () => undefined);
  sessions.push(session);
  return session;
}

interface Answer {
  status: string | undefined;
  message: string | undefined;
  closed: boolean;
}

/** Asks for an answer of `kib` KiB on `session`; the answer's status fills in as it comes. */
function ask(session: http2.ClientHttp2Session, kib: number): Answer {
  const answer: Answer = { status: undefined, message: undefined, closed: false };
  const stream = session.request({
    ":method": "POST",
    ":path": sized.path,
    "content-type": "application/grpc",
    te: "trailers",
  });
  const onStatus = (headers: http2.IncomingHttpHeaders) => {
    if (headers["grpc-status"] === undefined) return;
    answer.status = String(headers["grpc-status"]);
    answer.message = decodeURIComponent(String(headers["grpc-message"] ?? ""));
  };
  stream.on("response", onStatus);
  stream.on("trailers", onStatus);
  stream.on("error", () => undefined);
  stream.on("close", () => {
    answer.closed = true;
  });
  stream.on("data", () => undefined);
  stream.end(Buffer.from([0, 0, 0, 0, 1, kib]));
  return answer;
}

test("large answers nobody reads are refused past the budget; small ones still go", async () => {
  const address = await serverWith({ unreadAnswerBytesMax: 3 * LARGE + 1 });
  const session = unreadingSession(address);
  const held = Array.from({ length: 3 }, () => ask(session, LARGE / 1024));
  const refused = ask(session, LARGE / 1024);
  await waitUntil(() => refused.status !== undefined, "the fourth answer's refusal", 5_000);
  expect(refused.status).toBe("8"); // RESOURCE_EXHAUSTED
  expect(refused.message).toContain("answers that their callers have not read yet");
  expect(held.every((answer) => answer.status === undefined)).toBe(true);
  // An answer within one window is never refused for the budget: it waits to be read.
  const small = ask(session, SMALL_ANSWER_BYTES / 1024);
  // Once the client reads, the held answers arrive and free the budget.
  session.settings({ initialWindowSize: 16 * 1024 * 1024 });
  session.setLocalWindowSize(16 * 1024 * 1024);
  for (const answer of [...held, small]) {
    await waitUntil(() => answer.status !== undefined, "a held answer", 5_000);
    expect(answer.status).toBe("0");
  }
  const again = ask(session, LARGE / 1024);
  await waitUntil(() => again.status !== undefined, "a large answer after the others", 5_000);
  expect(again.status).toBe("0");
});

test("an answer left unread after its call ended has its stream reset", async () => {
  const address = await serverWith({ unreadAnswerMs: 200 });
  const session = unreadingSession(address);
  const answer = ask(session, LARGE / 1024);
  await waitUntil(() => answer.closed, "the unread answer's stream to be reset", 5_000);
  expect(answer.status).toBeUndefined();
});

test("answers read on a stream kept open free the budget as they leave", async () => {
  const address = await serverWith({ unreadAnswerBytesMax: 2 * LARGE + 1 });
  const session = http2.connect(address);
  session.on("error", () => undefined);
  sessions.push(session);
  const stream = session.request({
    ":method": "POST",
    ":path": sizedStream.path,
    "content-type": "application/grpc",
    te: "trailers",
  });
  let received = 0;
  let status: string | undefined;
  stream.on("data", (chunk: Buffer) => {
    received += chunk.byteLength;
  });
  stream.on("trailers", (headers) => {
    status = String(headers["grpc-status"]);
  });
  stream.on("response", (headers) => {
    if (headers["grpc-status"] !== undefined) status = String(headers["grpc-status"]);
  });
  stream.on("error", () => undefined);
  // Three large answers, one after the other, each read as it comes; the stream stays open.
  for (let k = 1; k <= 3; k++) {
    stream.write(Buffer.from([0, 0, 0, 0, 1, LARGE / 1024]));
    await waitUntil(() => received >= k * (LARGE + 5) || status !== undefined, "an answer", 5_000);
  }
  expect(status).toBeUndefined();
  const again = ask(session, LARGE / 1024);
  await waitUntil(() => again.status !== undefined, "a large answer beside the stream", 5_000);
  expect(again.status).toBe("0");
  stream.close();
});
