// Public surface of src/transport: the wire format between nodes, the transport interfaces
// and per-peer batching. Protocol adapters live in http/, grpc/ and memory/.

export {
  type AccessLevel,
  AccessPolicy,
  type AccessSecrets,
  AUTHORIZATION_HEADER,
  bearerCredentials,
  type CallCredentials,
  type CallerCredentials,
  combinedCredentials,
  learnedClockMessage,
  PeerClocks,
  peerCredentials,
} from "./access-policy.ts";
export { ByteBudget } from "./byte-budget.ts";
export { clusterHint } from "./cluster-hint.ts";
export { corsOriginProblem } from "./cors-origin.ts";
export { healthHttpStatus, healthJson } from "./health-json.ts";
export { KEEPALIVE_DEFAULT, Keepalive, type KeepaliveTiming } from "./keepalive.ts";
export type {
  CallOptions,
  CheckpointInfo,
  ClusterNodeStatus,
  ClusterStatus,
  DescribeWorkflowRequest,
  DiscoveryInfo,
  ExecutionGroupStatus,
  GroupHealthDetail,
  HealthInfo,
  HealthStatus,
  LeaveResult,
  ManagementRole,
  NodeApi,
  NodeProbe,
  RecoveredGroup,
  RecoverRequest,
  RecoverResult,
  RegisterRequest,
  RegisterResult,
  RetentionInfo,
  RetentionRequest,
  SignalWorkflowRequest,
  SignalWorkflowResult,
  StartWorkflowRequest,
  StartWorkflowResult,
  StopWorkflowRequest,
  StopWorkflowResult,
  WaitWorkflowRequest,
  WorkflowDescriptionInfo,
  WorkflowFailure,
  WorkflowOutcome,
} from "./node-api.ts";
export { type FoundingState, foundingOf, HEALTH_STATUSES } from "./node-api.ts";
export {
  createPeerProof,
  PEER_PROOF_AGE_MS_MAX,
  PEER_PROOF_HEADER,
  peerProofProblem,
  refusedProofOffsetMs,
} from "./peer-proof.ts";
export {
  type PeerSendCounts,
  PeerSenders,
  type PeerSendersOptions,
  type PeerSendStats,
} from "./peer-senders.ts";
export {
  requiredText,
  TEXT_FIELD_LENGTH_MAX,
  WAIT_TIMEOUT_SECONDS_DEFAULT,
  WAIT_TIMEOUT_SECONDS_MAX,
} from "./request-text.ts";
export {
  checkSecurityProfile,
  type ProfiledSecurity,
  securityProfile,
} from "./security-profile.ts";
export {
  type ClientTls,
  certificateProblems,
  connectionHint,
  isCertificateRejection,
  isKeyOfCertificate,
  isTlsRefusal,
  type ServerTls,
} from "./tls-options.ts";
export {
  newCallTraceId,
  TRACEPARENT_HEADER,
  traceparentOf,
  withTraceOf,
} from "./trace-header.ts";
export type {
  PeerStream,
  PeerStreamEvents,
  PeerTransport,
  TransportKind,
  TransportServer,
} from "./transport.ts";
export {
  BATCH_MESSAGES_MAX,
  batchBytes,
  type ForwardOutcome,
  type ForwardProposal,
  type ForwardResult,
  type PeerBatch,
  type PeerMessage,
  type RaftPeerMessage,
  type UnknownGroup,
} from "./wire.ts";
export {
  batchFromJson,
  batchToJson,
  decodeBatchMsgpack,
  encodeBatchMsgpack,
} from "./wire-codec.ts";
export { type BytesDecoder, parsePeerBatch, WireFormatError } from "./wire-parse.ts";
export {
  checkListRequest,
  decodePageToken,
  encodePageToken,
  LIST_PAGE_SIZE_DEFAULT,
  LIST_PAGE_SIZE_MAX,
  type ListCursor,
  type ListWorkflowsRequest,
  type ListWorkflowsResult,
  type UnavailableClusterInfo,
  type WorkflowSummaryInfo,
} from "./workflow-list.ts";
