// Seeded garbage at RaftService/SendMessage: random and mutated bytes in raft_message, and
// random bytes as the whole protobuf request. Every call ends OK (when the damage left a
// valid batch) or INVALID_ARGUMENT, nothing is logged as a bug, and the server keeps serving.
// A failure prints the seed; rerun with ROBUSTNESS_SEED=<seed> to replay it.

import { afterAll, beforeAll, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import { FakeNodeApi } from "../../../test/contracts/fake-node-api.ts";
import { mutateBytes, randomBytes } from "../../../test/contracts/fuzz-inputs.ts";
import { everyRaftMessage } from "../../../test/contracts/transport-fixtures.ts";
import { createLogger, groupId, nodeId, seededRandom } from "../../lib/index.ts";
import { decodeBatchMsgpack, encodeBatchMsgpack } from "../index.ts";
import { GrpcClient } from "./client.ts";
import { GrpcTransportServer } from "./grpc-transport-server.ts";
import { batchOfGenericMessage } from "./peer-batch-message.ts";
import { RaftServiceMethods } from "./raftoral-methods.ts";
import { GrpcStatus, GrpcStatusError } from "./status.ts";

const SEED = Number(process.env.ROBUSTNESS_SEED ?? 20_240_611);
const ROUNDS = 200;

const logLines: string[] = [];
const logger = createLogger({
  level: "warn",
  format: "text",
  write: (line) => logLines.push(line),
});
const api = new FakeNodeApi();
const server = new GrpcTransportServer({ logger, closeGraceMs: 50 });
let address = "";
let client: GrpcClient;

/** A valid batch of every Raft message type, small binary data only. */
const VALID = encodeBatchMsgpack({
  from: nodeId(1),
  to: nodeId(2),
  messages: everyRaftMessage()
    .filter((message) => message.type !== "InstallSnapshot")
    .map((message) => ({ type: "raft" as const, groupId: groupId(1), message })),
});

beforeAll(async () => {
  const { port } = await server.listen("127.0.0.1", 0, api);
  address = `127.0.0.1:${port}`;
  client = new GrpcClient({ address });
});

afterAll(async () => {
  client.close();
  await server.close();
});

/** The oracle: the shared gateway decides whether the bytes are a batch. */
function isBatch(bytes: Uint8Array): boolean {
  try {
    decodeBatchMsgpack(bytes);
    return true;
  } catch (error) {
    // Malformed: the server must refuse it too.
    void error;
    return false;
  }
}

/** The gRPC status of one SendMessage call carrying `bytes` in raft_message. */
async function statusOf(bytes: Uint8Array): Promise<number> {
  try {
    const response = await client.unary(RaftServiceMethods.sendMessage, {
      clusterId: 1,
      message: "raftMessage",
      raftMessage: bytes,
    });
    expect(response).toEqual({ success: true, error: "" });
    return GrpcStatus.OK;
  } catch (error) {
    if (error instanceof GrpcStatusError) return error.grpcCode;
    throw error;
  }
}

test(`random and mutated raft_message bytes get OK or INVALID_ARGUMENT (seed ${SEED})`, async () => {
  const random = seededRandom(SEED);
  expect(await statusOf(VALID)).toBe(GrpcStatus.OK);
  let refused = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const inputs = [randomBytes(random, random.int(0, 200)), mutateBytes(random, VALID)];
    for (const [kind, bytes] of inputs.entries()) {
      const context = `seed ${SEED}, round ${round}, input ${kind}`;
      const expected = isBatch(bytes) ? GrpcStatus.OK : GrpcStatus.INVALID_ARGUMENT;
      expect({ context, status: await statusOf(bytes) }).toEqual({ context, status: expected });
      if (expected !== GrpcStatus.OK) refused++;
    }
  }
  expect(refused).toBeGreaterThan(ROUNDS);
  expect(logLines).toEqual([]);
});

test(`random bytes as the whole SendMessage request never crash the server (seed ${SEED})`, async () => {
  const random = seededRandom(SEED + 1);
  const raw = new grpc.Client(address, grpc.credentials.createInsecure());
  const send = (bytes: Buffer): Promise<number> =>
    new Promise((resolve) => {
      raw.makeUnaryRequest(
        RaftServiceMethods.sendMessage.path,
        (value: Buffer) => value,
        (value: Buffer) => value,
        bytes,
        (error) => resolve(error === null ? GrpcStatus.OK : error.code),
      );
    });
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const bytes = Buffer.from(randomBytes(random, random.int(1, 100)));
      const context = `seed ${SEED + 1}, round ${round}: ${bytes.toString("hex")}`;
      expect({ context, status: await send(bytes) }).toEqual({
        context,
        status: expectedStatus(bytes),
      });
    }
  } finally {
    raw.close();
  }
  expect(logLines).toEqual([]);
  expect(await statusOf(VALID)).toBe(GrpcStatus.OK);
});

/** What the server must answer for a whole request of `bytes`, decided by our own codecs. */
function expectedStatus(bytes: Uint8Array): number {
  try {
    batchOfGenericMessage(RaftServiceMethods.sendMessage.requestCodec.decode(bytes));
    return GrpcStatus.OK;
  } catch (error) {
    // Malformed protobuf, the wrong oneof arm, or bad batch bytes: all INVALID_ARGUMENT.
    void error;
    return GrpcStatus.INVALID_ARGUMENT;
  }
}
