// gRPC requests for fuzzing a running node: every raftoral method (and health Check) with
// valid, mutated, truncated and random protobuf, unknown fields, wrong wire types, huge
// declared field lengths and nested groups, inside frames with bad length prefixes, huge
// declared lengths, reserved or compression flags, zero or two messages, and odd headers.
//
// Not sent: a LeaveCluster request that decodes (it makes the node leave, by design), so that
// method only gets frames that fail before decoding; and AddNode requests that register a
// node (they add it to the membership, by design: there is no authentication).

import type { Random } from "../../src/lib/index.ts";
import {
  encodeFrame,
  HealthMethods,
  type MethodDescriptor,
  RaftServiceMethods,
  WorkflowManagementMethods,
} from "../../src/transport/grpc/index.ts";
import { mutateBytes, randomBytes } from "../contracts/fuzz-inputs.ts";
import { uuidOf } from "./http-inputs.ts";

export interface RawGrpcRequest {
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly chunks: readonly Uint8Array[];
  /** False leaves the request open: the server may wait for more, so no status is expected. */
  readonly endStream: boolean;
}

interface FuzzedMethod {
  readonly method: MethodDescriptor<unknown, unknown>;
  /** A valid request value to start from. */
  readonly valid: (random: Random) => unknown;
}

const methods = (): FuzzedMethod[] => [
  { method: m(RaftServiceMethods.discover), valid: () => ({}) },
  { method: m(RaftServiceMethods.getClusterStatus), valid: () => ({}) },
  {
    method: m(RaftServiceMethods.addNode),
    valid: (random) => ({ nodeId: random.int(0, 5), address: "", workflowFingerprint: "x" }),
  },
  {
    method: m(WorkflowManagementMethods.runWorkflowAsync),
    valid: (random) => workflowRequest(random),
  },
  {
    method: m(WorkflowManagementMethods.runWorkflowSync),
    valid: (random) => workflowRequest(random),
  },
  {
    method: m(WorkflowManagementMethods.waitForWorkflowCompletion),
    valid: (random) => ({
      workflowId: uuidOf(random),
      executionClusterId: random.pick(["1", "0", "2", "x", ""]),
      timeoutSeconds: random.int(0, 3),
    }),
  },
  { method: m(HealthMethods.check), valid: (random) => ({ service: random.pick(["", "x"]) }) },
];

function m<Request, Response>(
  method: MethodDescriptor<Request, Response>,
): MethodDescriptor<unknown, unknown> {
  return method as unknown as MethodDescriptor<unknown, unknown>;
}

function workflowRequest(random: Random): unknown {
  return {
    workflowType: random.pick(["ping_pong", "nope", "", "x".repeat(2_000)]),
    version: random.pick([1, 0, 2, 2 ** 32 - 1]),
    inputJson: random.pick([
      '"ping"',
      '"pong"',
      "",
      "{",
      "null",
      `"${"x".repeat(100)}"`,
      `${"[".repeat(20_000)}${"]".repeat(20_000)}`,
      `${'{"a":'.repeat(5_000)}1${"}".repeat(5_000)}`,
    ]),
    executionClusterId: random.pick(["", "1", "0", "2", "abc", "99999999999999999999"]),
  };
}

/** The bytes of one message for `target`: valid, damaged, random, or with extra fields. */
function messageBytes(random: Random, target: FuzzedMethod): Uint8Array {
  const valid = target.method.requestCodec.encode(target.valid(random));
  switch (random.int(0, 8)) {
    case 0:
      return valid;
    case 1:
    case 2:
      return mutateBytes(random, valid);
    case 3:
      return randomBytes(random, random.int(0, 120));
    case 4:
      return Buffer.concat([valid, unknownField(random)]);
    case 5:
      return Buffer.concat([valid, wrongWireType(random)]);
    case 6:
      return hugeFieldLength(random);
    default:
      return nestedGroups(random.pick([10, 1_000, 100_000]));
  }
}

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return bytes;
}

const tag = (field: number, wireType: number): number[] => varint(field * 8 + wireType);

/** A field the schema does not know, of any wire type (proto3 keeps or skips it). */
function unknownField(random: Random): Uint8Array {
  const field = random.pick([15, 99, 1_000, 536_870_911]);
  switch (random.int(0, 4)) {
    case 0:
      return new Uint8Array([...tag(field, 0), ...varint(random.int(0, 2 ** 31))]);
    case 1:
      return new Uint8Array([...tag(field, 1), ...randomBytes(random, 8)]);
    case 2: {
      const payload = randomBytes(random, random.int(0, 50));
      return new Uint8Array([...tag(field, 2), ...varint(payload.length), ...payload]);
    }
    default:
      return new Uint8Array([...tag(field, 5), ...randomBytes(random, 4)]);
  }
}

/** A known field number (1..7) with a wire type that does not match, or an overlong varint. */
function wrongWireType(random: Random): Uint8Array {
  const field = random.int(1, 8);
  if (random.chance(0.3))
    return new Uint8Array([...tag(field, 0), ...new Array(11).fill(0xff), 0x01]);
  return new Uint8Array([
    ...tag(field, random.pick([0, 1, 2, 5, 6, 7])),
    ...randomBytes(random, 6),
  ]);
}

/** A length-delimited field that declares far more bytes than follow. */
function hugeFieldLength(random: Random): Uint8Array {
  const length = random.pick([2 ** 31 - 1, 2 ** 32 - 1, 2 ** 28, 1_000]);
  return new Uint8Array([
    ...tag(random.int(1, 8), 2),
    ...varint(length),
    ...randomBytes(random, 10),
  ]);
}

/** `depth` start-group tags of an unknown field, then as many end-group tags. */
function nestedGroups(depth: number): Uint8Array {
  const start = tag(20, 3);
  const end = tag(20, 4);
  const bytes = new Uint8Array(depth * (start.length + end.length));
  for (let k = 0; k < depth; k++) bytes.set(start, k * start.length);
  for (let k = 0; k < depth; k++) bytes.set(end, depth * start.length + k * end.length);
  return bytes;
}

function frameHeader(flags: number, length: number): Uint8Array {
  const header = new Uint8Array(5);
  header[0] = flags;
  new DataView(header.buffer).setUint32(1, length);
  return header;
}

/** Frames around `message`: well formed, lying about the length, flagged, doubled, empty. */
function frames(random: Random, message: Uint8Array): { chunks: Uint8Array[]; endStream: boolean } {
  switch (random.int(0, 10)) {
    case 0: // Declared longer than sent, then the end: a truncated message.
      return {
        chunks: [frameHeader(0, message.length + random.int(1, 1_000)), message],
        endStream: true,
      };
    case 1: // Declared shorter: the rest reads as the next frame's header.
      return {
        chunks: [frameHeader(0, random.int(0, message.length + 1)), message],
        endStream: true,
      };
    case 2: // Beyond any limit, or just within it with nothing behind.
      return {
        chunks: [
          frameHeader(0, random.pick([2 ** 32 - 1, 64 * 1024 * 1024 + 1, 60 * 1024 * 1024])),
        ],
        endStream: random.chance(0.5),
      };
    case 3:
      return {
        chunks: [frameHeader(random.pick([1, 2, 0x80, 0xff]), message.length), message],
        endStream: true,
      };
    case 4:
      return { chunks: [encodeFrame(message), encodeFrame(message)], endStream: true };
    case 5:
      return { chunks: [], endStream: true };
    case 6: // Cut inside the 5-byte header.
      return {
        chunks: [frameHeader(0, message.length).subarray(0, random.int(1, 5))],
        endStream: true,
      };
    case 7: // Declared longer than sent, left open: the server waits for the rest.
      return { chunks: [frameHeader(0, message.length + 10), message], endStream: false };
    default:
      return { chunks: splitRandomly(random, encodeFrame(message)), endStream: true };
  }
}

function splitRandomly(random: Random, bytes: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    const size = random.int(1, Math.max(2, bytes.length - at + 1));
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks.length === 0 ? [bytes] : chunks;
}

function headers(random: Random): Record<string, string> {
  if (random.chance(0.8)) return {};
  return random.pick<Record<string, string>>([
    { "grpc-timeout": random.pick(["soon", "1m", "100m", "99999999S", "1H", "", "-1S"]) },
    { "grpc-encoding": random.pick(["gzip", "identity", "br", "x"]) },
    {
      "content-type": random.pick([
        "application/json",
        "application/grpc+json",
        "text/plain",
        "application/grpc;x",
      ]),
    },
    { "grpc-accept-encoding": "gzip", "x-custom-bin": "!!notbase64" },
  ]);
}

/**
 * One request to a random method, or undefined for a draw we never send (a decodable
 * LeaveCluster, or an AddNode that would register a node).
 */
export function grpcInput(random: Random): RawGrpcRequest | undefined {
  if (random.chance(0.08)) return leaveClusterFraming(random);
  const target = random.pick(methods());
  const message = messageBytes(random, target);
  if (target.method === m(RaftServiceMethods.addNode) && registers(target, message))
    return undefined;
  const { chunks, endStream } = frames(random, message);
  return { path: target.method.path, headers: headers(random), chunks, endStream };
}

function registers(target: FuzzedMethod, message: Uint8Array): boolean {
  try {
    const request = target.method.requestCodec.decode(message) as { address?: unknown };
    return typeof request.address === "string" && request.address !== "";
  } catch (error) {
    // Expected: undecodable bytes are refused before the handler runs.
    void error;
    return false;
  }
}

/** Frames that fail before any LeaveCluster request is decoded. */
function leaveClusterFraming(random: Random): RawGrpcRequest {
  const path = RaftServiceMethods.leaveCluster.path;
  const chunks = random.pick<Uint8Array[]>([
    [frameHeader(0, 2 ** 32 - 1)],
    [frameHeader(0, 10), new Uint8Array(3)],
    [new Uint8Array([0, 0, 0])],
    [frameHeader(0x80, 0)],
    [frameHeader(1, 0)],
  ]);
  return { path, headers: {}, chunks, endStream: true };
}

/** SendMessage carrying `batchBytes` (msgpack) in raft_message, framed correctly. */
export function sendMessageRequest(batchBytes: Uint8Array, clusterId: number): RawGrpcRequest {
  const message = RaftServiceMethods.sendMessage.requestCodec.encode({
    clusterId,
    message: "raftMessage",
    raftMessage: batchBytes,
  });
  return {
    path: RaftServiceMethods.sendMessage.path,
    headers: {},
    chunks: [encodeFrame(message)],
    endStream: true,
  };
}
