// Public surface of src/transport/grpc: our gRPC server and client over node:http2, the
// protobuf codecs of the raftoral package, health checking and server reflection.

export {
  CALLS_MAX_DEFAULT,
  type CallOptions,
  GrpcClient,
  type GrpcClientOptions,
} from "./client.ts";
export { BACKOFF_DEFAULT, type BackoffOptions } from "./client-connection.ts";
export { DescriptorPool } from "./descriptor-pool.ts";
export { encodeFrame, FrameDecoder, MESSAGE_BYTES_MAX_DEFAULT } from "./framing.ts";
export { decodeGrpcMessage, encodeGrpcMessage } from "./grpc-message.ts";
export {
  GrpcPeerTransport,
  type GrpcPeerTransportOptions,
  PEER_CLIENTS_MAX,
} from "./grpc-peer-transport.ts";
export {} from "./grpc-request-fields.ts";
export {
  CLIENT_MESSAGE_BYTES_MAX_DEFAULT,
  GrpcTransportServer,
  type GrpcTransportServerOptions,
  INPUT_BYTES_MAX_DEFAULT,
  PEER_MESSAGE_BYTES_MAX_DEFAULT,
} from "./grpc-transport-server.ts";
export {
  HEALTH_SERVICE,
  type HealthCheckRequest,
  type HealthCheckResponse,
  HealthMethods,
  HealthService,
  ServingStatus,
} from "./health.ts";
export type * from "./list-messages.ts";
export { type MessageCodec, protoCodec } from "./message-codec.ts";
export {
  type BidiStreamingHandler,
  type CallContext,
  type Metadata,
  type MethodDescriptor,
  protoMethod,
  type ServerStreamingHandler,
  type UnaryHandler,
} from "./method.ts";
export { accessOfMethod, authorizeWith } from "./method-access.ts";
export {
  type RaftServiceOptions,
  registerRaftService,
  registerWorkflowManagement,
  type WorkflowManagementOptions,
} from "./node-api-handlers.ts";
export { batchOfGenericMessage, genericMessageOfBatch } from "./peer-batch-message.ts";
export type * from "./raftoral-messages.ts";
export {
  RAFT_SERVICE,
  RaftServiceMethods,
  WORKFLOW_MANAGEMENT_SERVICE,
  WorkflowManagementMethods,
} from "./raftoral-methods.ts";
export { REFLECTION_SERVICES, registerReflection } from "./reflection.ts";
export {
  GrpcServer,
  type GrpcServerOptions,
  type ListenAddress,
  ListenError,
  SESSION_IDLE_MS_DEFAULT,
  SESSIONS_MAX_DEFAULT,
} from "./server.ts";
export {
  GrpcStatus,
  GrpcStatusError,
  grpcStatusName,
  INTERNAL_MESSAGE,
  statusOfError,
} from "./status.ts";
export { formatGrpcTimeout, parseGrpcTimeout } from "./timeout.ts";
