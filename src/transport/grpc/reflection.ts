// gRPC server reflection, v1 and v1alpha (same messages, two packages), so that tools such as
// grpcurl can list and call our services without .proto files. Answers list_services,
// file_by_filename, file_containing_symbol and all_extension_numbers_of_type (we define no
// extensions); unknown names get an error_response with NOT_FOUND, as grpc-go does.

import { type DescriptorFile, DescriptorPool } from "./descriptor-pool.ts";
import { protoMethod } from "./method.ts";
import type { GrpcServer } from "./server.ts";
import { GrpcStatus } from "./status.ts";

export interface ServerReflectionRequest {
  readonly host: string;
  readonly fileByFilename?: string;
  readonly fileContainingSymbol?: string;
  readonly fileContainingExtension?: {
    readonly containingType: string;
    readonly extensionNumber: number;
  };
  readonly allExtensionNumbersOfType?: string;
  readonly listServices?: string;
}

export interface ServerReflectionResponse {
  readonly validHost: string;
  readonly originalRequest: ServerReflectionRequest;
  readonly fileDescriptorResponse?: { readonly fileDescriptorProto: readonly Uint8Array[] };
  readonly allExtensionNumbersResponse?: {
    readonly baseTypeName: string;
    readonly extensionNumber: readonly number[];
  };
  readonly listServicesResponse?: { readonly service: readonly { readonly name: string }[] };
  readonly errorResponse?: { readonly errorCode: number; readonly errorMessage: string };
}

export const REFLECTION_SERVICES = [
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
] as const;

/**
 * Registers both reflection services on `server`; they describe what is registered there.
 * The descriptors are built at the first reflection call, not at start-up: building them
 * parses every .proto file again, and most nodes are never asked.
 */
export function registerReflection(
  server: GrpcServer,
  makePool: () => Promise<DescriptorPool> = () => DescriptorPool.load(),
): void {
  let pool: Promise<DescriptorPool> | undefined;
  for (const service of REFLECTION_SERVICES) {
    const method = protoMethod<ServerReflectionRequest, ServerReflectionResponse>(
      service,
      "ServerReflectionInfo",
    );
    server.addBidiStreaming(method, async function* (requests) {
      for await (const request of requests) {
        pool ??= makePool();
        yield answer(request, await pool, server);
      }
    });
  }
}

type Answer = Omit<ServerReflectionResponse, "validHost" | "originalRequest">;

/** The reply to one reflection request. */
export function answer(
  request: ServerReflectionRequest,
  pool: DescriptorPool,
  server: Pick<GrpcServer, "serviceNames">,
): ServerReflectionResponse {
  return {
    validHost: request.host,
    originalRequest: request,
    ...answerBody(request, pool, server),
  };
}

function answerBody(
  request: ServerReflectionRequest,
  pool: DescriptorPool,
  server: Pick<GrpcServer, "serviceNames">,
): Answer {
  if (request.listServices !== undefined) {
    return { listServicesResponse: { service: server.serviceNames().map((name) => ({ name })) } };
  }
  if (request.fileByFilename !== undefined) {
    return files(pool.fileByName(request.fileByFilename), `file ${request.fileByFilename}`);
  }
  if (request.fileContainingSymbol !== undefined) {
    const symbol = request.fileContainingSymbol;
    return files(pool.fileContainingSymbol(symbol), `symbol ${symbol}`);
  }
  if (request.fileContainingExtension !== undefined) {
    const { containingType, extensionNumber } = request.fileContainingExtension;
    return notFound(`extension ${extensionNumber} of ${containingType}`);
  }
  if (request.allExtensionNumbersOfType !== undefined) {
    const typeName = request.allExtensionNumbersOfType;
    if (!pool.isMessageType(typeName)) return notFound(`message type ${typeName}`);
    return { allExtensionNumbersResponse: { baseTypeName: typeName, extensionNumber: [] } };
  }
  return {
    errorResponse: {
      errorCode: GrpcStatus.INVALID_ARGUMENT,
      errorMessage: "the request sets none of the known message_request fields",
    },
  };
}

// Our files import nothing, so a file is complete on its own; a file with dependencies
// would have to send them too (the reflection spec asks for the transitive closure).
function files(file: DescriptorFile | undefined, what: string): Answer {
  if (file === undefined) return notFound(what);
  return { fileDescriptorResponse: { fileDescriptorProto: [file.bytes] } };
}

function notFound(what: string): Answer {
  return { errorResponse: { errorCode: GrpcStatus.NOT_FOUND, errorMessage: `${what} not found` } };
}
