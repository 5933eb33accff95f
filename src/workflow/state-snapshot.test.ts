// The snapshot is built from each finished execution's JSON text, kept since it finished: it
// must be exactly the text a plain JSON.stringify of the whole state gives, and a finished
// execution must not be able to change behind its kept text.

import { expect, test } from "bun:test";
import { nodeId } from "../lib/index.ts";
import type { ExecutionRecord } from "./execution.ts";
import { ExecutionTable } from "./execution-table.ts";
import { decodeStateSnapshot, encodeStateSnapshot } from "./state-snapshot.ts";

function running(workflowId: string, startedAtMs: number): ExecutionRecord {
  return {
    workflowId,
    name: "order",
    version: 1,
    input: { item: "book", note: 'quotes " and \\ and é' },
    runtimeVersion: 3,
    seed: 7,
    startedAtMs,
    owner: nodeId(1),
    ownerEpoch: 1,
    status: "Running",
    checkpoints: [
      {
        seq: 0,
        kind: "step",
        name: "charge",
        outcome: { ok: true, value: { charged: 12.5 } },
        atMs: startedAtMs + 1,
        ownerEpoch: 1,
        stats: { attempts: 1, durationMs: 0.4 },
      },
    ],
  };
}

/** Two finished executions (one of them evicted by retention) and one still running. */
function tableWithEveryPart(): ExecutionTable {
  const table = new ExecutionTable();
  table.retention = { finishedMax: 1, retainForMs: 0, retainAtLeastMs: 0 };
  for (const [id, at] of [
    ["a", 1_000],
    ["b", 2_000],
  ] as const) {
    const record = running(id, at);
    table.add(record);
    record.status = "Completed";
    record.output = { shipped: true };
    record.finishedAtMs = at + 5;
    table.markFinished(record);
  }
  table.logTimeMs = 3_000;
  expect(
    table.prune({ finishedMax: 1, bytesMax: 1 << 20, retainMs: undefined, atLeastMs: 0 }),
  ).toEqual(["a"]);
  table.add(running("c", 3_000));
  table.lastAppliedIndex = 42;
  return table;
}

test("the snapshot is the text JSON.stringify gives for the whole state", () => {
  const table = tableWithEveryPart();
  const plain = JSON.stringify({
    format: 1,
    lastAppliedIndex: table.lastAppliedIndex,
    logTimeMs: table.logTimeMs,
    executions: [...table.executions.values()],
    finishedOrder: [...table.finishedIds()],
    isSealed: table.isSealed,
    retention: table.retention,
    evicted: [...table.evicted],
  });
  const prefix = new Uint8Array([9, 8, 7]);
  const bytes = encodeStateSnapshot(table, prefix);
  expect([...bytes.subarray(0, 3)]).toEqual([9, 8, 7]);
  expect(new TextDecoder().decode(bytes.subarray(3))).toBe(plain);
  const none = new Uint8Array();
  const restored = decodeStateSnapshot(encodeStateSnapshot(table, none));
  expect([...restored.executions.keys()]).toEqual(["b", "c"]);
  expect(encodeStateSnapshot(restored, none)).toEqual(encodeStateSnapshot(table, none));
});

test("a finished execution cannot change after it finished", () => {
  const table = tableWithEveryPart();
  const finished = table.get("b");
  if (finished === undefined) throw new Error("b is retained");
  expect(() => {
    finished.status = "Failed";
  }).toThrow(TypeError);
  const checkpoint = finished.checkpoints[0];
  if (checkpoint === undefined) throw new Error("b has a checkpoint");
  expect(() => finished.checkpoints.push({ ...checkpoint, seq: 1 })).toThrow(TypeError);
  table.checkInvariants();
  // The one still running changes as apply makes it.
  const live = table.get("c");
  const first = live?.checkpoints[0];
  if (live === undefined || first === undefined) throw new Error("c is running");
  live.checkpoints.push({ ...first, seq: 1 });
  table.checkInvariants();
});

test("a restore refuses a state that breaks the table's structure", () => {
  const text = new TextDecoder().decode(
    encodeStateSnapshot(tableWithEveryPart(), new Uint8Array()),
  );
  const restore = (
    change: (json: {
      executions: { checkpoints: { seq: number }[] }[];
      finishedOrder: string[];
    }) => void,
  ) => {
    const json = JSON.parse(text);
    change(json);
    return () => decodeStateSnapshot(new TextEncoder().encode(JSON.stringify(json)));
  };
  expect(restore(() => undefined)).not.toThrow();
  expect(
    restore((json) => {
      json.finishedOrder = [];
    }),
  ).toThrow("finished but not queued");
  expect(
    restore((json) => {
      const checkpoint = json.executions[1]?.checkpoints[0];
      if (checkpoint !== undefined) checkpoint.seq = 3;
    }),
  ).toThrow("checkpoint seq gap");
});
