// Serialized FileDescriptorProtos of our .proto files, built from their protobufjs parse, and
// an index from fully qualified symbols to files: what server reflection hands to grpcurl.
// Built by hand rather than with Root.toDescriptor(): that one writes relative type names
// and `packed` options on singular fields, which strict descriptor linkers (Go) reject.

import type protobuf from "protobufjs";
import type { FileDescriptorProto } from "protobufjs/ext/descriptor";
import { assert } from "../../lib/index.ts";
import { PROTO_FILES, type ProtoFile, parseProtoFile } from "./proto-schema.ts";
import { protobufjs } from "./protobuf-loader.ts";

/** One file as reflection sends it. */
export interface DescriptorFile {
  readonly name: string;
  /** A serialized google.protobuf.FileDescriptorProto. */
  readonly bytes: Uint8Array;
  /** Fully qualified names of its messages, enums, services and methods. */
  readonly symbols: readonly string[];
}

// google.protobuf.FieldDescriptorProto.Type and .Label numbers.
const FIELD_TYPES: ReadonlyMap<string, number> = new Map([
  ["double", 1],
  ["float", 2],
  ["int64", 3],
  ["uint64", 4],
  ["int32", 5],
  ["fixed64", 6],
  ["fixed32", 7],
  ["bool", 8],
  ["string", 9],
  ["bytes", 12],
  ["uint32", 13],
  ["sfixed32", 15],
  ["sfixed64", 16],
  ["sint32", 17],
  ["sint64", 18],
]);
const TYPE_MESSAGE = 11;
const TYPE_ENUM = 14;
const LABEL_OPTIONAL = 1;
const LABEL_REPEATED = 3;

/** The protobufjs codec of google.protobuf.FileDescriptorProto. */
type DescriptorCodec = typeof FileDescriptorProto;

/** Looks files up by name or by a symbol they define. */
export class DescriptorPool {
  private readonly byName = new Map<string, DescriptorFile>();
  private readonly bySymbol = new Map<string, DescriptorFile>();
  private readonly messageTypes = new Set<string>();

  /**
   * Builds the pool. The descriptor codec is loaded here, not at start-up: it is a large
   * module that only reflection needs (see registerReflection).
   */
  static async load(files: readonly ProtoFile[] = PROTO_FILES): Promise<DescriptorPool> {
    const { FileDescriptorProto: codec } = await import("protobufjs/ext/descriptor");
    return new DescriptorPool(files, codec);
  }

  private constructor(files: readonly ProtoFile[], codec: DescriptorCodec) {
    for (const file of files) {
      const built = buildFile(file, codec);
      this.byName.set(file.name, built.file);
      for (const symbol of built.file.symbols) this.bySymbol.set(symbol, built.file);
      for (const name of built.messageTypes) this.messageTypes.add(name);
    }
  }

  fileByName(name: string): DescriptorFile | undefined {
    return this.byName.get(name);
  }

  /**
   * The file defining `symbol`: a service, method, message, enum, field, oneof or enum value
   * ("raftoral.RaftService.Discover", "raftoral.GenericMessage.cluster_id").
   */
  fileContainingSymbol(symbol: string): DescriptorFile | undefined {
    return this.bySymbol.get(symbol.startsWith(".") ? symbol.slice(1) : symbol);
  }

  isMessageType(symbol: string): boolean {
    return this.messageTypes.has(symbol);
  }
}

interface BuiltFile {
  readonly file: DescriptorFile;
  readonly messageTypes: readonly string[];
}

function buildFile(file: ProtoFile, codec: DescriptorCodec): BuiltFile {
  assert(/^\s*syntax\s*=\s*"proto3"/m.test(file.text), `${file.name}: only proto3 is supported`);
  assert(!/^\s*import\s/m.test(file.text), `${file.name}: imports are not supported yet`);
  const packageName = /^\s*package\s+([\w.]+)\s*;/m.exec(file.text)?.[1];
  assert(packageName !== undefined, `${file.name}: a package is required`);
  const root = parseProtoFile(file);
  const namespace = root.lookup(packageName);
  assert(
    namespace instanceof protobufjs().Namespace,
    `${file.name}: package ${packageName} not found`,
  );
  const symbols: string[] = [];
  const messageTypes: string[] = [];
  const proto = {
    name: file.name,
    package: packageName,
    messageType: [] as object[],
    enumType: [] as object[],
    service: [] as object[],
    syntax: "proto3",
  };
  for (const nested of namespace.nestedArray) {
    if (nested instanceof protobufjs().Type)
      proto.messageType.push(messageProto(nested, symbols, messageTypes));
    else if (nested instanceof protobufjs().Enum) proto.enumType.push(enumProto(nested, symbols));
    else if (nested instanceof protobufjs().Service)
      proto.service.push(serviceProto(nested, symbols));
  }
  const message = codec.fromObject(proto);
  const bytes = codec.encode(message).finish();
  return { file: { name: file.name, bytes, symbols }, messageTypes };
}

function messageProto(type: protobuf.Type, symbols: string[], messageTypes: string[]): object {
  symbols.push(qualified(type));
  messageTypes.push(qualified(type));
  const oneofs = type.oneofsArray;
  // Fields and oneofs are symbols too (protoc's descriptor pools find their files by them).
  for (const member of [...type.fieldsArray, ...oneofs]) {
    symbols.push(`${qualified(type)}.${member.name}`);
  }
  const nestedType: object[] = [];
  const enumType: object[] = [];
  for (const nested of type.nestedArray) {
    if (nested instanceof protobufjs().Type)
      nestedType.push(messageProto(nested, symbols, messageTypes));
    else if (nested instanceof protobufjs().Enum) enumType.push(enumProto(nested, symbols));
  }
  return {
    name: type.name,
    field: type.fieldsArray.map((field) => fieldProto(type, field, oneofs)),
    nestedType,
    enumType,
    oneofDecl: oneofs.map((oneof) => ({ name: oneof.name })),
  };
}

function fieldProto(type: protobuf.Type, field: protobuf.Field, oneofs: protobuf.OneOf[]): object {
  assert(
    !(field instanceof protobufjs().MapField),
    `${type.name}.${field.name}: maps are not supported`,
  );
  field.resolve();
  const resolved = field.resolvedType;
  const scalar = FIELD_TYPES.get(field.type);
  const proto: Record<string, unknown> = {
    name: field.name,
    number: field.id,
    label: field.repeated ? LABEL_REPEATED : LABEL_OPTIONAL,
    jsonName: jsonNameOf(field.name),
  };
  if (resolved instanceof protobufjs().Type || resolved instanceof protobufjs().Enum) {
    proto.type = resolved instanceof protobufjs().Type ? TYPE_MESSAGE : TYPE_ENUM;
    proto.typeName = `.${qualified(resolved)}`;
  } else {
    assert(scalar !== undefined, `${type.name}.${field.name}: unknown type ${field.type}`);
    proto.type = scalar;
  }
  if (field.partOf !== null) proto.oneofIndex = oneofs.indexOf(field.partOf);
  return proto;
}

function enumProto(enumType: protobuf.Enum, symbols: string[]): object {
  symbols.push(qualified(enumType));
  // An enum value's name is scoped beside its enum, not inside it (C++ scoping rules).
  const scope = qualified(enumType).replace(/\.?[^.]+$/, "");
  for (const name of Object.keys(enumType.values)) {
    symbols.push(scope === "" ? name : `${scope}.${name}`);
  }
  return {
    name: enumType.name,
    value: Object.entries(enumType.values).map(([name, number]) => ({ name, number })),
  };
}

function serviceProto(service: protobuf.Service, symbols: string[]): object {
  symbols.push(qualified(service));
  return {
    name: service.name,
    method: service.methodsArray.map((method) => {
      symbols.push(`${qualified(service)}.${method.name}`);
      method.resolve();
      assert(method.resolvedRequestType !== null, `${method.name}: request type unresolved`);
      assert(method.resolvedResponseType !== null, `${method.name}: response type unresolved`);
      return {
        name: method.name,
        inputType: `.${qualified(method.resolvedRequestType)}`,
        outputType: `.${qualified(method.resolvedResponseType)}`,
        ...(method.requestStream === true ? { clientStreaming: true } : {}),
        ...(method.responseStream === true ? { serverStreaming: true } : {}),
      };
    }),
  };
}

/** "raftoral.GenericMessage" for the reflected object. */
function qualified(object: protobuf.ReflectionObject): string {
  return object.fullName.replace(/^\./, "");
}

/** protoc's json_name: drop underscores and capitalize the letter after each. */
function jsonNameOf(name: string): string {
  return name.replace(/_+([a-zA-Z0-9]?)/g, (_match, next: string) => next.toUpperCase());
}
