// A cleartext gRPC port that also answers `curl http://<node>/health`. gRPC clients open with
// HTTP/2's preface ("PRI * HTTP/2.0..."), which no HTTP/1 request begins with; a connection
// that does, or that does not begin as an HTTP/1 request, is handed to the HTTP/2 server as
// it is. An HTTP/1 request gets one HTTP/1.1 answer and the connection is closed: GET
// /health as an HTTP node answers it, anything else a 400 INVALID_ARGUMENT saying that this
// port speaks gRPC.
// (GET /health over HTTP/2, as curl sends it over TLS, is the server's.) Before, curl got
// HTTP/2's binary refusal ("Received HTTP/0.9").
// Handing the socket over costs a gRPC call nothing measurable (30-43 us a call either way,
// 5,000 sequential calls of Bun's HTTP/2 client, four runs alternated).

import type http2 from "node:http2";
import net from "node:net";

/** What an HTTP/1.1 request to the port is answered with. */
export interface PlainHttpAnswer {
  readonly status: number;
  readonly json: string;
}

/** What every HTTP/2 connection opens with; no HTTP/1 method is PRI. */
const PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/** The longest HTTP/1 method (OPTIONS, CONNECT). */
const METHOD_BYTES_MAX = 7;
/** An HTTP/1 request head past this is refused: health requests are a few hundred bytes. */
const HEAD_BYTES_MAX = 8 * 1024;
/**
 * A connection that has not said which protocol it speaks by then is closed, and so is an
 * HTTP/1 one that has not closed its side once answered: the HTTP/2 server's connection cap
 * never sees these, so only this deadline bounds how long a stranger holds one.
 */
const FIRST_BYTES_TIMEOUT_MS = 10_000;
/**
 * Connections the door holds at once before handing them over (or answering them): past it,
 * the oldest is closed for the new one. The HTTP/2 server's cap counts only connections
 * handed to it, and before, a stranger opening connections that sent one byte each held
 * 3,000 of the node's descriptors for their 10 s, as many more as it opened meanwhile, up to
 * the process's limit. A client's own connection says what it speaks within a round trip.
 */
const UNDECIDED_MAX = 1024;

/** The door's limits; the defaults outside tests. */
export interface DoorLimits {
  readonly firstBytesTimeoutMs?: number;
  readonly undecidedMax?: number;
}

const REASONS: Readonly<Record<number, string>> = {
  200: "OK",
  400: "Bad Request",
  503: "Service Unavailable",
};

/** The listener, and what closes the connections it has not handed to HTTP/2. */
export interface PlainHttpDoor {
  readonly listener: net.Server;
  closeUndecided(): void;
}

/**
 * A listener that hands HTTP/2 connections to `server` and answers HTTP/1 ones itself, GET
 * /health with `health()`.
 */
export function plainHttpDoor(
  server: http2.Http2Server,
  health: () => PlainHttpAnswer,
  limits: DoorLimits = {},
): PlainHttpDoor {
  const firstBytesTimeoutMs = limits.firstBytesTimeoutMs ?? FIRST_BYTES_TIMEOUT_MS;
  const undecidedMax = limits.undecidedMax ?? UNDECIDED_MAX;
  // In the order they came: the first is the oldest.
  const undecided = new Set<net.Socket>();
  const listener = net.createServer((socket) => {
    const oldest = undecided.size >= undecidedMax ? undecided.values().next().value : undefined;
    if (oldest !== undefined) {
      // Out of the set at once: its 'close' comes later, and a burst must not pick it again.
      undecided.delete(oldest);
      oldest.destroy();
    }
    undecided.add(socket);
    // A deadline for the whole first part, not an idle time: bytes trickling in end too.
    const deadline = setTimeout(() => socket.destroy(), firstBytesTimeoutMs);
    const decided = () => {
      undecided.delete(socket);
      clearTimeout(deadline);
    };
    socket.on("close", decided);
    socket.on("error", () => socket.destroy());
    let seen: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const kind = kindOf(seen.subarray(0, PREFACE.length).toString("latin1"));
      if (kind === "unknown yet") return;
      if (kind === "http1") {
        const headEnd = seen.indexOf("\r\n\r\n");
        if (headEnd < 0 && seen.length < HEAD_BYTES_MAX) return; // within the deadline
        // The deadline stays: a client that never closes its side after the answer would
        // otherwise hold the connection for good (before, 300 such held 300 descriptors).
        socket.off("data", onData);
        const requestLine = seen.subarray(0, seen.indexOf("\r\n")).toString("latin1");
        socket.end(plainResponse(headEnd < 0 ? tooLong() : answerTo(requestLine, health)));
        return;
      }
      socket.off("data", onData);
      decided();
      socket.pause();
      socket.unshift(seen);
      server.emit("connection", socket);
      socket.resume();
    };
    socket.on("data", onData);
  });
  return {
    listener,
    closeUndecided: () => {
      for (const socket of undecided) socket.destroy();
    },
  };
}

/**
 * What a connection's first bytes say it speaks: HTTP/1 when they begin with a method and a
 * space. Anything else (HTTP/2's preface, a TLS hello, noise) goes to the HTTP/2 server,
 * which refuses what is not HTTP/2 as it always did.
 */
function kindOf(start: string): "http1" | "http2" | "unknown yet" {
  // The whole preface first: Bun's HTTP/2 server refuses a handed-over connection whose
  // bytes so far end inside it.
  if (PREFACE.startsWith(start)) return start.length === PREFACE.length ? "http2" : "unknown yet";
  const method = /^[A-Z]*/.exec(start)?.[0] ?? "";
  if (method.length === start.length && method.length <= METHOD_BYTES_MAX) return "unknown yet";
  return method.length > 0 && start[method.length] === " " ? "http1" : "http2";
}

/** Whether an HTTP request's path (its query aside) is /health. */
export function isHealthPath(path: string): boolean {
  return path === "/health" || path.startsWith("/health?");
}

function answerTo(requestLine: string, health: () => PlainHttpAnswer): PlainHttpAnswer {
  const [method, path] = requestLine.split(" ");
  if (method === "GET" && path !== undefined && isHealthPath(path)) return health();
  // No code, as no answer of the HTTP API lacks one: our HTTP client takes it for a server
  // that is not an HTTP node, asks whether it speaks gRPC, and says so (TransportMismatchError,
  // the command line's exit status 2). The text is for anyone else, such as curl.
  const error =
    "this is a Raftoral node's gRPC port: it takes gRPC (HTTP/2) calls, and GET /health; " +
    "call it over gRPC (a grpc:// address, or --transport grpc), or call the HTTP API where " +
    "the node's --http-listen says";
  return {
    status: 400,
    json: JSON.stringify({ success: false, error }),
  };
}

function tooLong(): PlainHttpAnswer {
  return { status: 400, json: JSON.stringify({ error: "request head too long" }) };
}

function plainResponse({ status, json }: PlainHttpAnswer): string {
  return (
    `HTTP/1.1 ${status} ${REASONS[status] ?? ""}\r\n` +
    "content-type: application/json\r\n" +
    `content-length: ${Buffer.byteLength(json)}\r\n` +
    "connection: close\r\n\r\n" +
    json
  );
}
