// Seeded garbage at POST /raft/message: random JSON values, valid batches with one field
// broken, and damaged JSON text. Every request gets a 400 (or a 200 when the damage left a
// valid batch), never a 5xx, nothing is logged as a bug, and the server keeps serving.
// A failure prints the seed; rerun with ROBUSTNESS_SEED=<seed> to replay it.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { FakeNodeApi } from "../../../test/contracts/fake-node-api.ts";
import { mutateJson, mutateText, randomJson } from "../../../test/contracts/fuzz-inputs.ts";
import { everyRaftMessage } from "../../../test/contracts/transport-fixtures.ts";
import { createLogger, groupId, nodeId, seededRandom } from "../../lib/index.ts";
import { batchFromJson, batchToJson } from "../index.ts";
import { HttpTransportServer } from "./http-transport-server.ts";

const SEED = Number(process.env.ROBUSTNESS_SEED ?? 20_240_611);
const ROUNDS = 150;

const logLines: string[] = [];
const logger = createLogger({
  level: "warn",
  format: "text",
  write: (line) => logLines.push(line),
});
const api = new FakeNodeApi();
const server = new HttpTransportServer({ logger });
let base = "";

/** A valid batch of every Raft message type, small binary data only (fast to mutate). */
const VALID = JSON.parse(
  batchToJson({
    from: nodeId(1),
    to: nodeId(2),
    messages: everyRaftMessage()
      .filter((message) => message.type !== "InstallSnapshot")
      .map((message) => ({ type: "raft" as const, groupId: groupId(1), message })),
  }),
);

beforeAll(async () => {
  const { port } = await server.listen("127.0.0.1", 0, api);
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await server.close();
});

function isBatch(text: string): boolean {
  try {
    batchFromJson(JSON.parse(text));
    return true;
  } catch (error) {
    // Not JSON, or not a batch: either way the server must refuse it.
    void error;
    return false;
  }
}

async function postRaw(text: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${base}/raft/message`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: text,
  });
  return { status: response.status, body: await response.json() };
}

test(`random and mutated batches never get a 5xx (seed ${SEED})`, async () => {
  const random = seededRandom(SEED);
  expect((await postRaw(JSON.stringify(VALID))).status).toBe(200);
  const statuses = new Map<number, number>();
  for (let round = 0; round < ROUNDS; round++) {
    const inputs = [
      JSON.stringify(randomJson(random)),
      JSON.stringify(mutateJson(random, VALID)),
      mutateText(random, JSON.stringify(VALID)),
    ];
    for (const [kind, text] of inputs.entries()) {
      const { status, body } = await postRaw(text);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      const context = `seed ${SEED}, round ${round}, input ${kind}: ${text.slice(0, 200)}`;
      // The oracle: the shared gateway decides whether the text is a batch.
      const expected = isBatch(text)
        ? { context, status: 200, body: { success: true } }
        : { context, status: 400, body: expect.objectContaining({ code: "INVALID_ARGUMENT" }) };
      expect({ context, status, body }).toEqual(expected);
    }
  }
  expect(logLines).toEqual([]);
  expect(statuses.get(400) ?? 0).toBeGreaterThan(ROUNDS * 2);
  expect((await fetch(`${base}/health`)).status).toBe(200);
});
