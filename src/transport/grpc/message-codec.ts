// Protobuf encode/decode for one message type, and the only place where 64-bit integers
// become JS numbers: a value past 2^53 - 1 cannot be represented exactly, so it is refused
// (INVALID_ARGUMENT) instead of silently rounded.

import type protobuf from "protobufjs";
import { InvalidArgumentError } from "../../lib/index.ts";
import { protoFieldName, shownInteger } from "./field-wording.ts";
import { codecRoot } from "./proto-schema.ts";
import { protobufjs } from "./protobuf-loader.ts";
import { GrpcStatus, GrpcStatusError } from "./status.ts";

/** Turns one message type into bytes and back. */
export interface MessageCodec<T> {
  /** Fully qualified protobuf name, e.g. "raftoral.DiscoveryRequest". */
  readonly typeName: string;
  /** Throws InvalidArgumentError for a number the field cannot hold. */
  encode(value: T): Uint8Array;
  /** Throws GrpcStatusError(INVALID_ARGUMENT) for malformed bytes or a 64-bit value past 2^53-1. */
  decode(bytes: Uint8Array): T;
}

// A Map, not an object literal: a field type is a user-chosen name and must not hit a
// property of Object.prototype.
const INT_RANGES: ReadonlyMap<string, readonly [number, number]> = new Map([
  ["int32", [-(2 ** 31), 2 ** 31 - 1]],
  ["sint32", [-(2 ** 31), 2 ** 31 - 1]],
  ["sfixed32", [-(2 ** 31), 2 ** 31 - 1]],
  ["uint32", [0, 2 ** 32 - 1]],
  ["fixed32", [0, 2 ** 32 - 1]],
  ["int64", [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]],
  ["sint64", [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]],
  ["sfixed64", [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]],
  ["uint64", [0, Number.MAX_SAFE_INTEGER]],
  ["fixed64", [0, Number.MAX_SAFE_INTEGER]],
]);
const IS_64_BIT = new Set(["int64", "sint64", "sfixed64", "uint64", "fixed64"]);

const CONVERSION: protobuf.IConversionOptions = {
  defaults: true,
  // Long -> double rounds once, and every value >= 2^53 stays >= 2^53, so the
  // Number.isSafeInteger check below rejects exactly the values we cannot represent.
  longs: Number,
  oneofs: true,
};

/**
 * The codec for `typeName` in our embedded .proto files. The type is looked up at the first
 * encode or decode, not here: building the types from the .proto files is most of the cost of
 * loading the gRPC stack (docs/performance.md, "Start-up"), and declaring codecs is not using
 * them. An unknown name throws at that first use.
 */
export function protoCodec<T>(typeName: string): MessageCodec<T> {
  let found: protobuf.Type | undefined;
  const typeOf = (): protobuf.Type => {
    found ??= codecRoot().lookupType(typeName);
    return found;
  };
  return {
    typeName,
    encode(value: T): Uint8Array {
      const type = typeOf();
      checkNumbers(type, value, (field, problem) => {
        throw new InvalidArgumentError(`${typeName}: field ${field} ${problem}`);
      });
      return type.encode(type.fromObject(value as Record<string, unknown>)).finish();
    },
    decode(bytes: Uint8Array): T {
      const type = typeOf();
      let message: protobuf.Message;
      try {
        message = type.decode(bytes);
      } catch (error) {
        throw new GrpcStatusError(
          GrpcStatus.INVALID_ARGUMENT,
          `malformed ${typeName} message: ${error instanceof Error ? error.message : error}`,
          { cause: error },
        );
      }
      const value = type.toObject(message, CONVERSION);
      checkNumbers(type, value, (field, problem) => {
        throw new GrpcStatusError(
          GrpcStatus.INVALID_ARGUMENT,
          `${typeName}: field ${protoFieldName(field)} ${problem}`,
        );
      });
      return value as T;
    },
  };
}

type Reject = (field: string, problem: string) => never;

/** Walks `value` along `type` and rejects integers the field's wire type cannot carry. */
function checkNumbers(type: protobuf.Type, value: unknown, reject: Reject): void {
  if (typeof value !== "object" || value === null) return;
  const record = value as Record<string, unknown>;
  for (const field of type.fieldsArray) {
    const fieldValue = record[field.name];
    if (fieldValue === undefined || fieldValue === null) continue;
    const items = field.repeated && Array.isArray(fieldValue) ? fieldValue : [fieldValue];
    for (const item of items) {
      if (field.resolvedType instanceof protobufjs().Type) {
        checkNumbers(field.resolvedType, item, reject);
        continue;
      }
      const range = INT_RANGES.get(field.type);
      if (range !== undefined) checkInteger(field, item, range, reject);
    }
  }
}

function checkInteger(
  field: protobuf.Field,
  item: unknown,
  [min, max]: readonly [number, number],
  reject: Reject,
): void {
  if (typeof item !== "number" || !Number.isInteger(item)) {
    reject(field.name, `must be an integer, got ${String(item)}`);
  }
  if (item >= min && item <= max) return;
  const limit = IS_64_BIT.has(field.type) ? " (64-bit values must stay within 2^53 - 1)" : "";
  reject(field.name, `${shownInteger(item)} is out of range for ${field.type}${limit}`);
}
