// How the client's workflow calls name a workflow: by id, by what start() returned, and a
// definition passed by mistake (JavaScript callers have no type check) named as such.

import { expect, test } from "bun:test";
import { defineWorkflow } from "../workflow/index.ts";
import { describeRequestOf, signalRequestOf, stopRequestOf } from "./workflow-calls.ts";

test("a workflow is named by its id or by what start() returned", () => {
  expect(describeRequestOf("w-1")).toEqual({ workflowId: "w-1" });
  const started = { workflowId: "w-2", executionClusterId: "3", alreadyStarted: false };
  expect(signalRequestOf(started, "paid", { cents: 5 }, {})).toMatchObject({
    workflowId: "w-2",
    name: "paid",
    executionClusterId: 3,
  });
});

test("a workflow definition is refused, naming it, rather than as an empty id", () => {
  const greet = defineWorkflow("greet", 1, async (name: string) => `Hello, ${name}!`);
  const asRef = greet as never;
  for (const call of [
    () => signalRequestOf(asRef, "paid", null, {}),
    () => stopRequestOf(asRef, {}),
    () => describeRequestOf(asRef),
  ]) {
    expect(call).toThrow(
      "this call takes a started workflow (what start() returned) or its workflow id, not a workflow definition such as 'greet'",
    );
  }
});
