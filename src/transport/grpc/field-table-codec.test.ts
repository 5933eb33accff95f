// The hand-written codecs of field-table-codec.ts, every one of them (the join's, the client
// calls', the cluster status's, the workflow views', the health service's), held against
// protobufjs and the .proto: the same fields, the same bytes both ways, and anything off the
// plain path decoded or refused as protobufjs does.

import { describe, expect, test } from "bun:test";
import type protobuf from "protobufjs";
import { seededRandom } from "../../lib/index.ts";
import * as clientCodecs from "./client-message-codecs.ts";
import type { FieldTableCodec, TableField } from "./field-table-codec.ts";
import { HealthMethods } from "./health.ts";
import * as joinCodecs from "./join-message-codecs.ts";
import { type MessageCodec, protoCodec } from "./message-codec.ts";
import { codecRoot } from "./proto-schema.ts";
import { protobufjs } from "./protobuf-loader.ts";
import * as statusCodecs from "./status-message-codecs.ts";
import * as viewCodecs from "./workflow-view-codecs.ts";

type AnyCodec = FieldTableCodec<Record<string, unknown>>;
type AnyField = TableField<Record<string, unknown>>;

const CODECS: readonly AnyCodec[] = [
  ...new Set([
    ...Object.values(joinCodecs),
    ...Object.values(clientCodecs),
    ...Object.values(statusCodecs),
    ...Object.values(viewCodecs),
    HealthMethods.check.requestCodec,
    HealthMethods.check.responseCodec,
  ]),
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
  int64: [0, 1, -1, 300, -300, 2 ** 32, -(2 ** 53 - 1), 2 ** 53 - 1],
  enum: [0, 1, 2, 3, 200],
};

/** A value of the table's type: every field at its default, or drawn from the lists above. */
function sample(
  fields: readonly AnyField[],
  random: ReturnType<typeof seededRandom>,
  isDefault: boolean,
): Record<string, unknown> {
  const pick = <T>(items: readonly T[]): T => items[random.nextU32() % items.length] as T;
  const one = (field: AnyField): unknown => {
    if (field.kind === "message") return sample(field.message.fields, random, false);
    if (field.kind === "string") return pick(TEXTS);
    if (field.kind === "bool") return pick([true, false]);
    return pick(INTEGERS[field.kind]);
  };
  const value: Record<string, unknown> = {};
  for (const field of fields) {
    if (field.repeated === true) {
      value[field.name] = isDefault
        ? []
        : Array.from({ length: random.nextU32() % 4 }, () => one(field));
    } else if (isDefault) {
      value[field.name] = field.kind === "string" ? "" : field.kind === "bool" ? false : 0;
    } else {
      value[field.name] = one(field);
    }
  }
  return value;
}

/** A field as the table names its type: a message by its type's name, an enum as "enum". */
function tableKind(field: AnyField): string {
  return field.kind === "message" ? field.message.typeName : field.kind;
}

function protoKind(field: protobuf.Field): string {
  const { Enum, Type } = protobufjs();
  if (field.resolvedType instanceof Type) return field.resolvedType.fullName.slice(1);
  if (field.resolvedType instanceof Enum) return "enum";
  return field.type;
}

describe("every hand-written codec", () => {
  test.each(CODECS.map((codec) => [codec.typeName, codec] as const))(
    "%s holds the .proto's fields, numbers, types and repetition",
    (typeName, codec) => {
      const type = codecRoot().lookupType(typeName);
      expect(
        codec.fields.map((field) => [
          field.number,
          field.name,
          tableKind(field),
          field.repeated === true,
        ]),
      ).toEqual(
        [...type.fieldsArray]
          .sort((a, b) => a.id - b.id)
          .map((field) => [field.id, field.name, protoKind(field), field.repeated]),
      );
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
        expect(codec.decodePlain(bytes)).toEqual(general.decode(bytes));
        expect(codec.decode(bytes)).toEqual(value);
      }
    },
  );
});

describe("off the plain path", () => {
  test("fields in another order, and lists in pieces or unpacked, decode the same", () => {
    const cases: [MessageCodec<unknown>, number[]][] = [
      // max_voters = 5 (tag 0x40), then node_id = 2 (tag 0x08).
      [joinCodecs.discoveryResponseCodec, [0x40, 5, 0x08, 2]],
      // members 1 and 2 unpacked (tag 0x10 each), then packed 3 (tag 0x12).
      [statusCodecs.executionClusterStatusCodec, [0x10, 1, 0x10, 2, 0x12, 1, 3]],
      // nodes, then the cluster id, then nodes again.
      [
        statusCodecs.clusterStatusResponseCodec,
        [0x2a, 2, 0x08, 1, 0x0a, 1, 0x63, 0x2a, 2, 0x08, 2],
      ],
      // statuses "a", then page_size 3, then statuses "b".
      [viewCodecs.listWorkflowsRequestCodec, [0x0a, 1, 0x61, 0x28, 3, 0x0a, 1, 0x62]],
      // A two-byte tag: error_name (field 21) = "E".
      [viewCodecs.describeWorkflowResponseCodec, [0xaa, 0x01, 1, 0x45]],
    ];
    for (const [fast, bytes] of cases) {
      const wire = Uint8Array.from(bytes);
      expect((fast as AnyCodec).decodePlain(wire)).toEqual(
        generalOf(fast as AnyCodec).decode(wire),
      );
    }
  });

  test("what the table does not take plainly is the general codec's to decode or refuse", () => {
    const minusOne = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
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
      [statusCodecs.executionClusterStatusCodec, [0x50, ...minusOne.slice(0, 9)]], // int64 cut off
      [statusCodecs.executionClusterStatusCodec, [0x50, ...minusOne.slice(0, 9), 0x02]], // -2^64
      [viewCodecs.checkpointSummaryCodec, [0x20, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]], // 2^53
      [statusCodecs.executionClusterStatusCodec, [0x12, 3, 1, 0x80]], // a packed list cut inside
      [statusCodecs.clusterStatusResponseCodec, [0x2a, 2, 0x20, 2]], // a nested bool of 2
      [statusCodecs.clusterStatusResponseCodec, [0x2a, 4, 0x08, 1]], // a nested message cut off
      [HealthMethods.check.responseCodec, [0x08, ...minusOne]], // a negative enum value
    ];
    for (const [fast, bytes] of cases) {
      const wire = Uint8Array.from(bytes);
      expect((fast as AnyCodec).decodePlain(wire)).toBeUndefined();
      expect(outcome(() => fast.decode(wire))).toEqual(outcome(() => generalOf(fast).decode(wire)));
    }
  });

  test("a negative int64 takes its ten bytes, both ways", () => {
    const fast = statusCodecs.executionClusterStatusCodec;
    const value = sample(fast.fields as readonly AnyField[], seededRandom(1), true);
    for (const leaderlessMs of [-1, -(2 ** 53 - 1)]) {
      const bytes = fast.encode({ ...value, leaderlessMs } as never);
      expect(bytes.byteLength).toBe(11);
      expect(fast.decodePlain(bytes) as object).toMatchObject({ leaderlessMs });
    }
  });

  test("numbers the general codec refuses are refused with its words", () => {
    const join = joinCodecs.addNodeRequestCodec;
    for (const nodeId of [2 ** 53, -1, 1.5, Number.NaN]) {
      const value = {
        nodeId,
        address: "a",
        workflowFingerprint: "",
        instanceId: "",
        rulesVersion: 0,
        securityProfile: "",
      };
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
    const status = statusCodecs.clusterStatusResponseCodec;
    const cluster = sample(
      statusCodecs.executionClusterStatusCodec.fields as readonly AnyField[],
      seededRandom(2),
      true,
    );
    for (const [field, bad] of [
      ["leaderlessMs", 2 ** 53],
      ["leaderlessMs", -(2 ** 53)],
      ["members", [1, -1]],
    ] as const) {
      const value = { nodes: [], executionClusters: [{ ...cluster, [field]: bad }] };
      const refused = outcome(() => status.encode(value as never));
      expect(refused).toStartWith(
        `InvalidArgumentError: raftoral.ClusterStatusResponse: field ${field}`,
      );
      expect(refused).toEqual(outcome(() => generalOf(status).encode(value as never)));
    }
  });
});
