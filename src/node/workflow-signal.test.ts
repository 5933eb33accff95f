import { expect, test } from "bun:test";
import { type GroupId, groupId, RaftoralError } from "../lib/index.ts";
import type { SignalWorkflowRequest } from "../transport/index.ts";
import { type SignalDeps, signalWorkflow } from "./workflow-signal.ts";

/** Groups 1 and 2; only group 2 knows workflow "order-1". Records what each group was sent. */
function cluster() {
  const sent: { id: GroupId; eventId: string | undefined }[] = [];
  let drawn = 0;
  const deps: SignalDeps = {
    groups: () => [groupId(1), groupId(2)],
    catchUpManagement: async () => undefined,
    resolveGroup: async (id) => id,
    signalIn: async (id, request: SignalWorkflowRequest) => {
      sent.push({ id, eventId: request.eventId });
      if (id !== groupId(2)) throw new RaftoralError("NOT_FOUND", "not in this group");
      return {
        workflowId: request.workflowId,
        executionClusterId: id,
        eventId: request.eventId ?? "drawn by the group",
        isDuplicate: false,
      };
    },
    newEventId: () => `e-${++drawn}`,
  };
  return { deps, sent };
}

test("an event without an id gets one before it leaves, the same for every group asked", async () => {
  const { deps, sent } = cluster();
  const result = await signalWorkflow(deps, { workflowId: "order-1", name: "paid", payload: 1 });
  expect(result.eventId).toBe("e-1");
  expect(sent.map((each) => each.eventId)).toEqual(["e-1", "e-1"]);
});

test("the caller's event id is kept", async () => {
  const { deps, sent } = cluster();
  const request = { workflowId: "order-1", name: "paid", payload: 1, eventId: "pay-7" };
  const result = await signalWorkflow(deps, { ...request, executionClusterId: groupId(2) });
  expect(result.eventId).toBe("pay-7");
  expect(sent).toEqual([{ id: groupId(2), eventId: "pay-7" }]);
});
