// Adapts typed handlers to what a server call runs: encoded requests in, encoded responses
// out. Unary and server-streaming methods get exactly one request, checked here.

import type {
  BidiStreamingHandler,
  CallContext,
  MethodDescriptor,
  ServerStreamingHandler,
  UnaryHandler,
} from "./method.ts";
import { GrpcStatus, GrpcStatusError } from "./status.ts";

/** Limits of one method that differ from the server's. */
export interface RouteLimits {
  /** Largest request message of this method (RESOURCE_EXHAUSTED beyond). */
  readonly receiveMessageBytesMax?: number;
  /** Peer batches: never counted in the server's budget of partial requests. */
  readonly isPeerTraffic?: boolean;
}

/** A registered method with its types erased: bytes in, bytes out. */
export interface Route extends RouteLimits {
  readonly path: string;
  /** One request, one answer: a call that may do something once (a start), not a stream. */
  readonly isUnary?: boolean;
  run(requests: AsyncIterable<Uint8Array>, context: CallContext): AsyncIterable<Uint8Array>;
}

export function unaryRoute<Request, Response>(
  method: MethodDescriptor<Request, Response>,
  handler: UnaryHandler<Request, Response>,
  limits: RouteLimits = {},
): Route {
  return {
    ...limits,
    path: method.path,
    isUnary: true,
    async *run(requests, context) {
      const request = method.requestCodec.decode(await singleRequest(requests));
      yield encodeResponse(method, await handler(request, context));
    },
  };
}

export function serverStreamingRoute<Request, Response>(
  method: MethodDescriptor<Request, Response>,
  handler: ServerStreamingHandler<Request, Response>,
): Route {
  return {
    path: method.path,
    async *run(requests, context) {
      const request = method.requestCodec.decode(await singleRequest(requests));
      for await (const response of handler(request, context)) {
        yield encodeResponse(method, response);
      }
    },
  };
}

export function bidiStreamingRoute<Request, Response>(
  method: MethodDescriptor<Request, Response>,
  handler: BidiStreamingHandler<Request, Response>,
  limits: RouteLimits = {},
): Route {
  return {
    ...limits,
    path: method.path,
    async *run(requests, context) {
      for await (const response of handler(decodeEach(method, requests), context)) {
        yield encodeResponse(method, response);
      }
    },
  };
}

async function* decodeEach<Request>(
  method: MethodDescriptor<Request, unknown>,
  requests: AsyncIterable<Uint8Array>,
): AsyncIterable<Request> {
  for await (const request of requests) yield method.requestCodec.decode(request);
}

/** Waits for the client to half-close and returns its one message. */
async function singleRequest(requests: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  let first: Uint8Array | undefined;
  let count = 0;
  for await (const request of requests) {
    count++;
    if (first === undefined) first = request;
  }
  if (first === undefined || count !== 1) {
    throw new GrpcStatusError(
      GrpcStatus.UNIMPLEMENTED,
      `expected exactly one request message for this method, got ${count}`,
    );
  }
  return first;
}

// An encode failure here is our own bug (a handler returned a value the schema cannot
// carry), so it becomes INTERNAL, not the INVALID_ARGUMENT a caller would get.
function encodeResponse<Response>(
  method: MethodDescriptor<unknown, Response>,
  response: Response,
): Uint8Array {
  try {
    return method.responseCodec.encode(response);
  } catch (error) {
    throw new Error(`${method.path}: cannot encode the response`, { cause: error });
  }
}
