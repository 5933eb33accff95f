// Public surface of src/node: the composition root of a Raftoral node.

export { DEFAULT_TUNING, type NodeTuning, type RaftoralNodeOptions } from "./node-options.ts";
export { checkNodeSecurity, type NodeSecurity, type NodeTls } from "./node-security.ts";
export { lockStoragePathForProcess } from "./node-storage.ts";
export { RaftoralNode } from "./raftoral-node.ts";
