// What a gRPC method is, for both the server (which registers handlers for it) and the client
// (which calls it): its path, its message codecs and its streaming shape.

import type protobuf from "protobufjs";
import { assert } from "../../lib/index.ts";
import { type MessageCodec, protoCodec } from "./message-codec.ts";
import { codecRoot } from "./proto-schema.ts";

/** One method of a service, typed by its request and response messages. */
export interface MethodDescriptor<Request, Response> {
  /** The HTTP/2 :path, "/package.Service/Method". */
  readonly path: string;
  readonly requestCodec: MessageCodec<Request>;
  readonly responseCodec: MessageCodec<Response>;
  readonly isRequestStream: boolean;
  readonly isResponseStream: boolean;
}

/** Request headers a handler may read: custom metadata (lowercase keys; `-bin` values base64). */
export type Metadata = Readonly<Record<string, string>>;

/** What a handler learns about its call. */
export interface CallContext {
  /** When the caller gives up, in the server clock's ms (performance.now()); undefined = none. */
  readonly deadlineMs: number | undefined;
  /** Aborted when the deadline passes, the caller cancels, or the server shuts down. */
  readonly signal: AbortSignal;
  /** The caller's "address:port". */
  readonly peer: string;
  readonly metadata: Metadata;
}

/** One request, one response. Throw GrpcStatusError or a RaftoralError to fail the call. */
export type UnaryHandler<Request, Response> = (
  request: Request,
  context: CallContext,
) => Promise<Response>;

/** One request, a stream of responses: every yielded value is sent as it comes. */
export type ServerStreamingHandler<Request, Response> = (
  request: Request,
  context: CallContext,
) => AsyncIterable<Response>;

/** Streams both ways: requests arrive as an async iterable; yielded values are sent. */
export type BidiStreamingHandler<Request, Response> = (
  requests: AsyncIterable<Request>,
  context: CallContext,
) => AsyncIterable<Response>;

/**
 * The descriptor of `service`/`method` in our embedded .proto files, e.g.
 * `protoMethod<DiscoveryRequest, DiscoveryResponse>("raftoral.RaftService", "Discover")`.
 * The type arguments must match the .proto; the codec tests check each one round-trips.
 * Only the path is known at once: the rest is looked up in the .proto types when first read
 * (see protoCodec for why), and an unknown method fails then.
 */
export function protoMethod<Request, Response>(
  serviceName: string,
  methodName: string,
): MethodDescriptor<Request, Response> {
  let found: MethodDescriptor<Request, Response> | undefined;
  const resolved = (): MethodDescriptor<Request, Response> => {
    found ??= resolveMethod<Request, Response>(serviceName, methodName);
    return found;
  };
  return {
    path: `/${serviceName}/${methodName}`,
    get requestCodec() {
      return resolved().requestCodec;
    },
    get responseCodec() {
      return resolved().responseCodec;
    },
    get isRequestStream() {
      return resolved().isRequestStream;
    },
    get isResponseStream() {
      return resolved().isResponseStream;
    },
  };
}

function resolveMethod<Request, Response>(
  serviceName: string,
  methodName: string,
): MethodDescriptor<Request, Response> {
  const service = codecRoot().lookupService(serviceName);
  const method: protobuf.Method | undefined = service.methods[methodName];
  assert(method !== undefined, `service ${serviceName} has no method ${methodName}`);
  assert(method.resolvedRequestType !== null, `${methodName}: request type is not resolved`);
  assert(method.resolvedResponseType !== null, `${methodName}: response type is not resolved`);
  return {
    path: `/${serviceName}/${methodName}`,
    requestCodec: protoCodec<Request>(method.resolvedRequestType.fullName.slice(1)),
    responseCodec: protoCodec<Response>(method.resolvedResponseType.fullName.slice(1)),
    isRequestStream: method.requestStream === true,
    isResponseStream: method.responseStream === true,
  };
}

/**
 * A method described in code rather than read from the .proto types, with codecs of its own
 * (coded by hand, so that calling or serving it needs no protobufjs). The codec tests check
 * every such method against the .proto: path, messages and streaming shape.
 */
export function describedMethod<Request, Response>(
  serviceName: string,
  methodName: string,
  requestCodec: MessageCodec<Request>,
  responseCodec: MessageCodec<Response>,
  streams: { readonly isRequestStream: boolean; readonly isResponseStream: boolean } = {
    isRequestStream: false,
    isResponseStream: false,
  },
): MethodDescriptor<Request, Response> {
  return { path: `/${serviceName}/${methodName}`, requestCodec, responseCodec, ...streams };
}
