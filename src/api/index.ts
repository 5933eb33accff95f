// Public surface of src/api: the transport-neutral services behind every transport.

export type { ExecutionLayer } from "./execution-layer.ts";
export { NodeService, type NodeServiceOptions } from "./node-service.ts";
