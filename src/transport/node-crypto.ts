// node:crypto, loaded when first used rather than with the code that uses it: loading it costs
// 9-12 ms of every start of the compiled binary (docs/performance.md, "Start-up"), and only
// a node or client given a cluster secret or a token ever hashes anything (peer proofs,
// token digests). process.getBuiltinModule is synchronous, in Bun and in Node (20.16+).

import type * as NodeCrypto from "node:crypto";

let loaded: typeof NodeCrypto | undefined;

export function nodeCrypto(): typeof NodeCrypto {
  loaded ??= process.getBuiltinModule("node:crypto");
  return loaded;
}
