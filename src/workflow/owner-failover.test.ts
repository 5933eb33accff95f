import { describe, expect, test } from "bun:test";
import type { NodeId } from "../lib/index.ts";
import type { ExecutionStatus } from "./execution.ts";
import type { ExecutionState } from "./execution-table.ts";
import { planOwnerFailover } from "./owner-failover.ts";

function execution(workflowId: string, owner: number, status: ExecutionStatus = "Running") {
  return {
    workflowId,
    name: "w",
    version: 1,
    input: null,
    runtimeVersion: 1,
    seed: 0,
    startedAtMs: 0,
    owner: owner as NodeId,
    ownerEpoch: 4,
    status,
    checkpoints: [],
  } satisfies ExecutionState;
}

const ids = (...values: number[]) => values.map((value) => value as NodeId);

describe("planOwnerFailover", () => {
  test("moves only Running executions whose owner is not live, at epoch + 1", () => {
    const plan = planOwnerFailover(
      [execution("a", 1), execution("b", 2), execution("c", 1, "Completed")],
      ids(2, 3),
    );
    expect(plan).toEqual([{ workflowId: "a", from: 1 as NodeId, to: 3 as NodeId, epoch: 5 }]);
  });

  test("least loaded first (counting the plan), ties to the lowest id", () => {
    const plan = planOwnerFailover(
      [
        execution("x", 5),
        execution("a", 1),
        execution("b", 1),
        execution("c", 1),
        execution("d", 1),
      ],
      ids(5, 4, 3),
    );
    expect(plan.map((a) => [a.workflowId, Number(a.to)])).toEqual([
      ["a", 3],
      ["b", 4],
      ["c", 3],
      ["d", 4],
    ]);
  });

  test("no live member, no plan; the batch limit is honoured", () => {
    expect(planOwnerFailover([execution("a", 1)], [])).toEqual([]);
    const many = Array.from({ length: 10 }, (_, k) => execution(`e${k}`, 1));
    expect(planOwnerFailover(many, ids(2), 3)).toHaveLength(3);
  });
});
