// protobufjs, loaded when first used rather than with the gRPC code: loading it costs 10-14 ms
// of a start of the compiled binary (docs/performance.md, "Start-up"), and every method of our
// services and the health service is coded by hand, so a node or a client loads it only for
// reflection (a tool such as grpcurl) or to decode a message off the hand codecs' plain path.
// A require() of a package is bundled like an import (by `bun build`, also for the Node client
// build) and runs the package's code at that call.

import type protobuf from "protobufjs";

let loaded: typeof protobuf | undefined;

export function protobufjs(): typeof protobuf {
  loaded ??= require("protobufjs") as typeof protobuf;
  return loaded;
}
