// A slice of src/client's surface (index.ts has all of it): what does not depend on a wire
// protocol. A node imports this and loads the one protocol client it speaks from
// index-grpc.ts or index-http.ts when it first needs it, so that an HTTP node never loads
// protobufjs and node:http2, nor a gRPC node Hono (docs/performance.md, "Start-up").

// Every failure a client call throws is one of these (or a subclass), on Bun and on Node.
export { type ErrorCode, RaftoralError } from "../lib/index.ts";
export { certificateProblems, isKeyOfCertificate } from "../transport/index.ts";
export {
  type NodeTarget,
  parseNodeTarget,
  parseNodeTargets,
  schemeOf,
  type TargetDefaults,
} from "./client-address.ts";
export {
  ClientClosedError,
  type FailedAttempt,
  isWorthAnotherNode,
  NotSentError,
  TransportMismatchError,
  UnreachableError,
  UnservedError,
} from "./client-errors.ts";
export { InProcessClient } from "./in-process-client.ts";
export type {
  ClientCallOptions,
  OperatorProtocolClient,
  ProtocolClient,
  ProtocolClientOptions,
} from "./protocol-client.ts";
export type { WorkflowClient } from "./workflow-client-base.ts";
