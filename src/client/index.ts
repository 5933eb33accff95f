// Public surface of src/client: talking to Raftoral nodes over gRPC or HTTP.

export { GrpcProtocolClient } from "./grpc-client.ts";
export { HttpProtocolClient } from "./http-client.ts";
export type { ClientCallOptions, ProtocolClient } from "./protocol-client.ts";
