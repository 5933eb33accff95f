// Draws one fuzz input from its own seeded source, and judges the node's answer to it. Input
// i of seed s always comes from seededRandom(inputSeed(s, i)), so any single input replays
// alone. Peer batches are checked with the real wire gateway first: the answer must match
// its verdict, and valid batches outside the threat model (peer-inputs.ts) are not sent.

import { type Random, seededRandom } from "../../src/lib/index.ts";
import { INTERNAL_MESSAGE } from "../../src/transport/grpc/index.ts";
import { batchFromJson, decodeBatchMsgpack, type PeerBatch } from "../../src/transport/index.ts";
import { grpcInput, type RawGrpcRequest, sendMessageRequest } from "./grpc-inputs.ts";
import { HTTP_INPUT_CLASSES, type HttpContext, httpInput, jsonRequest } from "./http-inputs.ts";
import { openFindingOf, openFindingOfHttp } from "./known-findings.ts";
import {
  batchJsonText,
  batchMsgpack,
  garbageBatch,
  isInScope,
  mutatedBatch,
  type PeerContext,
  type PeerInputClass,
  wellFormedBatch,
} from "./peer-inputs.ts";
import type { RawGrpcOutcome } from "./raw-grpc.ts";
import type { RawHttpOutcome, RawHttpRequest } from "./raw-http.ts";

export type DrawnInput =
  | {
      readonly channel: "http";
      readonly kind: string;
      readonly request: RawHttpRequest;
      readonly peerVerdict?: boolean;
    }
  | {
      readonly channel: "grpc";
      readonly kind: string;
      readonly request: RawGrpcRequest;
      readonly peerVerdict?: boolean;
    }
  | { readonly channel: "skip"; readonly kind: string };

export interface DrawContext extends HttpContext {
  readonly transport: "grpc" | "http";
  readonly peer: PeerContext;
}

/** The seed of input `index` of a campaign with `seed` (32-bit mixing; collisions harmless). */
export function inputSeed(seed: number, index: number): number {
  let z = (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

export function drawInput(seed: number, index: number, context: DrawContext): DrawnInput {
  const random = seededRandom(inputSeed(seed, index));
  if (random.chance(0.5)) return drawPeerInput(random, context);
  if (context.transport === "http") {
    const kind = random.pick(HTTP_INPUT_CLASSES);
    const request = httpInput(random, kind, context);
    if (request === undefined) return { channel: "skip", kind: "skip:valid-registration" };
    const finding = openFindingOfHttp(request);
    if (finding !== undefined) return { channel: "skip", kind: `skip:open-finding-${finding}` };
    return { channel: "http", kind, request };
  }
  const request = grpcInput(random);
  if (request === undefined) return { channel: "skip", kind: "skip:membership-change" };
  return { channel: "grpc", kind: `grpc ${request.path.split("/").pop()}`, request };
}

const PEER_CLASSES: readonly PeerInputClass[] = [
  "garbage",
  "mutated",
  "misaddressed",
  "unhosted-group",
  "stale-term",
  "stale-term",
  "unknown-sender",
  "unknown-sender",
  "forged-sender",
  "forged-sender",
  "forward",
];

function drawPeerInput(random: Random, context: DrawContext): DrawnInput {
  const kind = random.pick(PEER_CLASSES);
  const encoding = context.transport === "http" ? "json" : "msgpack";
  let payload: Uint8Array | string;
  if (kind === "garbage") payload = garbageBatch(random, encoding);
  else if (kind === "mutated") {
    const base = random.pick([
      "misaddressed",
      "unhosted-group",
      "stale-term",
      "unknown-sender",
      "forged-sender",
    ] as const);
    payload = mutatedBatch(random, wellFormedBatch(random, context.peer, base), encoding);
  } else {
    const value = wellFormedBatch(random, context.peer, kind);
    payload = encoding === "json" ? batchJsonText(value) : batchMsgpack(value);
  }
  const batch = gatewayParse(payload, encoding);
  if (batch !== undefined && !isInScope(batch, context.peer))
    return { channel: "skip", kind: "skip:forged-authority" };
  const finding = batch === undefined ? undefined : openFindingOf(batch, context.peer);
  if (finding !== undefined) return { channel: "skip", kind: `skip:open-finding-${finding}` };
  const peerKind = `peer ${kind}`;
  if (typeof payload === "string") {
    return {
      channel: "http",
      kind: peerKind,
      request: jsonRequest("POST", "/raft/message", payload),
      peerVerdict: batch !== undefined,
    };
  }
  return {
    channel: "grpc",
    kind: peerKind,
    request: sendMessageRequest(payload, random.int(0, 3)),
    peerVerdict: batch !== undefined,
  };
}

/** What the node's own gateway makes of the payload: the batch, or undefined if refused. */
function gatewayParse(
  payload: Uint8Array | string,
  encoding: "json" | "msgpack",
): PeerBatch | undefined {
  try {
    return encoding === "json"
      ? batchFromJson(JSON.parse(payload as string))
      : decodeBatchMsgpack(payload as Uint8Array);
  } catch (error) {
    // Refused by the gateway (or not JSON at all): the node must refuse it too.
    void error;
    return undefined;
  }
}

/** A violation in the answer to an HTTP input, or undefined when the answer is acceptable. */
export function judgeHttp(
  input: DrawnInput & { channel: "http" },
  outcome: RawHttpOutcome,
): string | undefined {
  if (outcome.kind === "no-answer") {
    return input.request.isComplete ? "no answer within the deadline (hang)" : undefined;
  }
  if (outcome.kind === "closed") {
    const mayClose =
      input.kind === "framing" || input.kind === "routing" || !input.request.isComplete;
    return mayClose ? undefined : "connection closed without an answer";
  }
  const { status, body } = outcome;
  if (body.includes(INTERNAL_MESSAGE) || status === 500)
    return `unexpected internal error: HTTP ${status} ${body.slice(0, 300)}`;
  if (status >= 500 && status !== 503 && status !== 504)
    return `HTTP ${status}: ${body.slice(0, 300)}`;
  if (input.peerVerdict === true && status !== 200 && status !== 429 && status !== 503) {
    return `the gateway accepts this batch, the node answered HTTP ${status}: ${body.slice(0, 300)}`;
  }
  if (input.peerVerdict === false && status !== 400 && status !== 413) {
    return `the gateway refuses this batch, the node answered HTTP ${status}: ${body.slice(0, 300)}`;
  }
  return undefined;
}

const GRPC_OK = 0;
const GRPC_INVALID_ARGUMENT = 3;
const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_UNAVAILABLE = 14;

/** A violation in the answer to a gRPC input, or undefined when the answer is acceptable. */
export function judgeGrpc(
  input: DrawnInput & { channel: "grpc" },
  outcome: RawGrpcOutcome,
): string | undefined {
  if (outcome.kind === "no-answer")
    return input.request.endStream ? "no status within the deadline (hang)" : undefined;
  if (outcome.kind === "reset") return undefined; // The server refused the stream outright.
  const { grpcStatus, grpcMessage, httpStatus } = outcome;
  if (grpcMessage === INTERNAL_MESSAGE)
    return `unexpected internal error (grpc-status ${grpcStatus})`;
  if (httpStatus !== undefined && httpStatus >= 500)
    return `HTTP ${httpStatus} (grpc-status ${grpcStatus})`;
  if (grpcStatus === undefined && httpStatus === 200) return "answer without grpc-status";
  const operating = [GRPC_RESOURCE_EXHAUSTED, GRPC_UNAVAILABLE];
  if (
    input.peerVerdict === true &&
    grpcStatus !== GRPC_OK &&
    !operating.includes(grpcStatus ?? -1)
  ) {
    return `the gateway accepts this batch, the node answered grpc-status ${grpcStatus}: ${grpcMessage}`;
  }
  if (
    input.peerVerdict === false &&
    grpcStatus !== GRPC_INVALID_ARGUMENT &&
    grpcStatus !== GRPC_RESOURCE_EXHAUSTED
  ) {
    return `the gateway refuses this batch, the node answered grpc-status ${grpcStatus}: ${grpcMessage}`;
  }
  return undefined;
}

/** A readable account of the input, for reports and regression tests. */
export function describeInput(input: DrawnInput): string {
  if (input.channel === "skip") return input.kind;
  if (input.channel === "http") {
    const { method, target, headers, body } = input.request;
    const shown = Buffer.from(body.subarray(0, 600)).toString("latin1");
    return `${input.kind}: ${method} ${target.slice(0, 200)} ${JSON.stringify(headers)} body(${body.byteLength} bytes)=${JSON.stringify(shown)}`;
  }
  const { path, headers, chunks, endStream } = input.request;
  const hex = Buffer.concat(chunks).subarray(0, 600).toString("hex");
  return `${input.kind}: ${path} ${JSON.stringify(headers)} chunks=[${chunks.map((c) => c.byteLength).join(",")}] end=${endStream} bytes=${hex}`;
}
