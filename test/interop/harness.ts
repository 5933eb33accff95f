// Shared set-up for the interop tests: our server with every service a peer may call, and
// typed helpers around @grpc/grpc-js and @grpc/proto-loader (which use their own protobufjs,
// so their encodings check ours independently).

import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { createLogger } from "../../src/lib/index.ts";
import {
  GrpcServer,
  GrpcStatus,
  GrpcStatusError,
  HealthService,
  RaftServiceMethods,
  registerReflection,
  ServingStatus,
  WorkflowManagementMethods,
} from "../../src/transport/grpc/index.ts";

export const PROTO_DIR = join(import.meta.dir, "../../proto");
export const PROTO_FILES = [
  "raftoral.proto",
  "grpc/health/v1/health.proto",
  "grpc/reflection/v1/reflection.proto",
];
/** Non-ASCII, '%' and ':' all need the right grpc-message encoding to survive. */
export const NON_ASCII_MESSAGE = "nœud 5 introuvable: 100% — réessayez ✓";
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: Number,
  defaults: true,
  oneofs: true,
};

export interface ReferenceServer {
  readonly server: GrpcServer;
  readonly health: HealthService;
  readonly address: string;
  readonly port: number;
  /** Lines our server logged at warn and above. */
  readonly logLines: string[];
}

/**
 * Our server with: RaftService.Discover (fixed answer), AddNode (NOT_FOUND with a non-ASCII
 * message), SendMessage (echoes the byte count), RunWorkflowSync (waits for its deadline),
 * health and reflection.
 */
export async function startReferenceServer(): Promise<ReferenceServer> {
  const logLines: string[] = [];
  const logger = createLogger({
    level: "warn",
    format: "text",
    write: (line) => logLines.push(line),
  });
  const server = new GrpcServer({ logger, closeGraceMs: 100, receiveMessageBytesMax: 1024 * 1024 });
  server.addUnary(RaftServiceMethods.discover, async () => ({
    nodeId: 1,
    highestKnownNodeId: Number.MAX_SAFE_INTEGER,
    address: "127.0.0.1:7001",
    managementLeaderNodeId: 1,
    managementLeaderAddress: "127.0.0.1:7001",
    shouldJoinAsVoter: true,
    currentVoterCount: 3,
    maxVoters: 5,
    faultTolerance: 1,
  }));
  server.addUnary(RaftServiceMethods.addNode, async () => {
    throw new GrpcStatusError(GrpcStatus.NOT_FOUND, NON_ASCII_MESSAGE);
  });
  server.addUnary(RaftServiceMethods.sendMessage, async (request) => ({
    success: request.message === "raftMessage",
    error: request.message === "raftMessage" ? String(request.raftMessage.byteLength) : "",
  }));
  server.addUnary(WorkflowManagementMethods.runWorkflowSync, async (_request, context) => {
    await new Promise((resolve) => context.signal.addEventListener("abort", resolve));
    return { success: false, resultJson: "", error: "too late" };
  });
  const health = new HealthService({
    "": ServingStatus.SERVING,
    "raftoral.RaftService": ServingStatus.SERVING,
  });
  health.register(server);
  registerReflection(server);
  const { port } = await server.listen("127.0.0.1", 0);
  return { server, health, port, address: `127.0.0.1:${port}`, logLines };
}

/** The proto-loader definition of our .proto files. */
export function loadDefinition(): protoLoader.PackageDefinition {
  return protoLoader.loadSync(PROTO_FILES, { ...LOADER_OPTIONS, includeDirs: [PROTO_DIR] });
}

/** `service`/`method` of a proto-loader definition, with its serializers. */
export function methodOf(
  definition: protoLoader.PackageDefinition,
  service: string,
  method: string,
): protoLoader.MethodDefinition<object, object> {
  const found = definition[service];
  if (found === undefined || "format" in found) throw new Error(`no service ${service}`);
  const methodDefinition = (found as protoLoader.ServiceDefinition)[method];
  if (methodDefinition === undefined) throw new Error(`no method ${service}/${method}`);
  return methodDefinition as protoLoader.MethodDefinition<object, object>;
}

/** A finished grpc-js unary call: the response, or the status it failed with. */
export type UnaryOutcome<T> =
  | { readonly ok: true; readonly response: T }
  | { readonly ok: false; readonly code: number; readonly details: string };

export function unaryCall<T>(
  client: grpc.Client,
  method: protoLoader.MethodDefinition<object, object>,
  request: object,
  options: grpc.CallOptions = {},
): Promise<UnaryOutcome<T>> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      request,
      new grpc.Metadata(),
      options,
      (error, response) => {
        if (error) resolve({ ok: false, code: error.code, details: error.details });
        else resolve({ ok: true, response: response as T });
      },
    );
  });
}

/** A FileDescriptorSet (field 1, repeated) around serialized FileDescriptorProtos. */
export function fileDescriptorSet(files: readonly Uint8Array[]): Buffer {
  const parts: number[] = [];
  for (const file of files) {
    parts.push(0x0a);
    let length = file.byteLength;
    while (length > 0x7f) {
      parts.push((length & 0x7f) | 0x80);
      length >>>= 7;
    }
    parts.push(length, ...file);
  }
  return Buffer.from(parts);
}

/** Polls until `predicate` holds; throws after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error("condition not met in time");
    await Bun.sleep(5);
  }
}
