// The hand-written codecs of scalar-only messages (scalar-message-codec.ts), every one of them
// (the join's and the client calls'), held against protobufjs and the .proto: the same
// fields, the same bytes both ways, and anything off the plain path decoded or refused as
// protobufjs does.

import { describe, expect, test } from "bun:test";
import { seededRandom } from "../../lib/index.ts";
import * as clientCodecs from "./client-message-codecs.ts";
import * as joinCodecs from "./join-message-codecs.ts";
import { type MessageCodec, protoCodec } from "./message-codec.ts";
import { codecRoot } from "./proto-schema.ts";
import type { ScalarField, ScalarMessageCodec } from "./scalar-message-codec.ts";

const CODECS: readonly ScalarMessageCodec<Record<string, unknown>>[] = [
  ...Object.values(joinCodecs),
  ...Object.values(clientCodecs),
] as never;

/** What `run` returns, or the type and message of what it throws. */
function outcome(run: () => unknown): unknown {
  try {
    return run();
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

function generalOf<T>(fast: MessageCodec<T>): MessageCodec<T> {
  return protoCodec<T>(fast.typeName);
}

const TEXTS = ["", "a", "127.0.0.1:7001", "nœud-é ✓ 𝄞", "x".repeat(200)];
const INTEGERS = {
  uint32: [0, 1, 127, 128, 2 ** 32 - 1],
  uint64: [0, 1, 300, 2 ** 32, 2 ** 53 - 1],
};

/** A value of the table's type: every field at its default, or drawn from the lists above. */
function sample(
  fields: readonly ScalarField<Record<string, unknown>>[],
  random: ReturnType<typeof seededRandom>,
  isDefault: boolean,
): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  const pick = <T>(items: readonly T[]): T => items[random.nextU32() % items.length] as T;
  for (const field of fields) {
    if (field.kind === "string") value[field.name] = isDefault ? "" : pick(TEXTS);
    else if (field.kind === "bool") value[field.name] = isDefault ? false : pick([true, false]);
    else value[field.name] = isDefault ? 0 : pick(INTEGERS[field.kind]);
  }
  return value;
}

describe("every hand-written codec", () => {
  test.each(CODECS.map((codec) => [codec.typeName, codec] as const))(
    "%s holds the .proto's fields, numbers and types",
    (typeName, codec) => {
      const type = codecRoot().lookupType(typeName);
      expect(codec.fields.map((field) => [field.number, field.name, field.kind])).toEqual(
        type.fieldsArray
          .filter((field) => !field.repeated)
          .sort((a, b) => a.id - b.id)
          .map((field) => [field.id, field.name, field.type]),
      );
      expect(type.fieldsArray.length).toBe(codec.fields.length);
    },
  );

  test.each(CODECS.map((codec) => [codec.typeName, codec] as const))(
    "%s gives protobuf's bytes and values, both ways",
    (_typeName, codec) => {
      const general = generalOf(codec);
      const random = seededRandom(codec.fields.length + 1);
      for (let k = 0; k < 20; k++) {
        const value = sample(codec.fields, random, k === 0);
        const bytes = codec.encode(value);
        expect(bytes).toEqual(general.encode(value));
        expect(codec.decode(bytes)).toEqual(general.decode(bytes));
        expect(codec.decode(bytes)).toEqual(value);
      }
    },
  );
});

describe("off the plain path", () => {
  test("fields in another order decode the same", () => {
    // max_voters = 5 (tag 0x40), then node_id = 2 (tag 0x08).
    const bytes = Uint8Array.from([0x40, 5, 0x08, 2]);
    const fast = joinCodecs.discoveryResponseCodec;
    expect(fast.decode(bytes)).toEqual(generalOf(fast).decode(bytes));
    expect(fast.decode(bytes)).toMatchObject({ nodeId: 2, maxVoters: 5 });
  });

  test("what the table does not take plainly is the general codec's to decode or refuse", () => {
    const cases: [MessageCodec<unknown>, number[]][] = [
      [joinCodecs.discoveryResponseCodec, [0x78, 1, 0x08, 2]], // unknown field 15 first
      [joinCodecs.discoveryResponseCodec, [0x08, 2, 0x08, 3]], // twice: protobuf keeps the last
      [joinCodecs.discoveryResponseCodec, [0x30, 2]], // a bool of 2
      [joinCodecs.discoveryResponseCodec, [0x1a, 2, 0xc3, 0x28]], // a string in bad UTF-8
      [joinCodecs.discoveryResponseCodec, [0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]], // 2^53
      [joinCodecs.discoveryResponseCodec, [0x1a, 10, 0x31]], // a string cut off
      [joinCodecs.discoveryResponseCodec, [0x10]], // a field without its value
      [clientCodecs.runWorkflowRequestCodec, [0x10, 0x80, 0x80, 0x80, 0x80, 0x10]], // uint32 2^32
      [clientCodecs.runWorkflowRequestCodec, [0x12, 1, 0x41]], // version as bytes
    ];
    for (const [fast, bytes] of cases) {
      const wire = Uint8Array.from(bytes);
      expect(outcome(() => fast.decode(wire))).toEqual(outcome(() => generalOf(fast).decode(wire)));
    }
  });

  test("numbers the general codec refuses are refused with its words", () => {
    const join = joinCodecs.addNodeRequestCodec;
    for (const nodeId of [2 ** 53, -1, 1.5, Number.NaN]) {
      const value = { nodeId, address: "a", workflowFingerprint: "", instanceId: "" };
      const refused = outcome(() => join.encode(value));
      expect(refused).toStartWith("InvalidArgumentError: raftoral.AddNodeRequest: field nodeId");
      expect(refused).toEqual(outcome(() => generalOf(join).encode(value)));
    }
    const run = clientCodecs.runWorkflowRequestCodec;
    for (const version of [2 ** 32, -1, 0.5]) {
      const value = { workflowType: "w", version, inputJson: "null" };
      const refused = outcome(() => run.encode(value));
      expect(refused).toStartWith(
        "InvalidArgumentError: raftoral.RunWorkflowRequest: field version",
      );
      expect(refused).toEqual(outcome(() => generalOf(run).encode(value)));
    }
  });
});
