// The .proto files this node serves, embedded in the binary as text and parsed with
// protobufjs when first needed. Two parses of the same text: camelCase names for our codecs, the
// files' own snake_case names for reflection descriptors (tools build JSON from those).

/// <reference path="./proto-modules.d.ts" />
import type protobuf from "protobufjs";
import healthText from "../../../proto/grpc/health/v1/health.proto" with { type: "text" };
import reflectionText from "../../../proto/grpc/reflection/v1/reflection.proto" with {
  type: "text",
};
import raftoralText from "../../../proto/raftoral.proto" with { type: "text" };
import { assert } from "../../lib/index.ts";
import { protobufjs } from "./protobuf-loader.ts";

/** One .proto file: the name reflection clients see, and its text. */
export interface ProtoFile {
  readonly name: string;
  readonly text: string;
}

const V1_PACKAGE = "package grpc.reflection.v1;";
assert(reflectionText.includes(V1_PACKAGE), "reflection.proto must declare grpc.reflection.v1");

/** Every file we serve. v1alpha reflection is the v1 file under its old package name. */
export const PROTO_FILES: readonly ProtoFile[] = [
  { name: "raftoral.proto", text: raftoralText },
  { name: "grpc/health/v1/health.proto", text: healthText },
  { name: "grpc/reflection/v1/reflection.proto", text: reflectionText },
  {
    name: "grpc/reflection/v1alpha/reflection.proto",
    text: reflectionText.replace(V1_PACKAGE, "package grpc.reflection.v1alpha;"),
  },
];

let codecRootCache: protobuf.Root | undefined;

/** All files in one root with camelCase field names; what the codecs use. */
export function codecRoot(): protobuf.Root {
  if (codecRootCache === undefined) {
    const { Root, parse } = protobufjs();
    const root = new Root();
    for (const file of PROTO_FILES) parse(file.text, root, { keepCase: false });
    root.resolveAll();
    codecRootCache = root;
  }
  return codecRootCache;
}

/** One file in its own root, with the field names as written; what reflection describes. */
export function parseProtoFile(file: ProtoFile): protobuf.Root {
  const { Root, parse } = protobufjs();
  const root = parse(file.text, new Root(), { keepCase: true }).root;
  root.resolveAll();
  return root;
}
