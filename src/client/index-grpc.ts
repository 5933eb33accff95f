// A slice of src/client's surface (index.ts has all of it): the gRPC protocol client alone,
// for code that loads it only when it speaks gRPC (index-core.ts says why).

export { GrpcProtocolClient } from "./grpc-client.ts";
