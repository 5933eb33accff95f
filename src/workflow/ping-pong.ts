// The built-in ping_pong workflow: "ping" in, "pong" out. It goes through a real checkpoint
// and a real step, so running it proves that the group replicates workflow state end to end.

import { InvalidArgumentError } from "../lib/index.ts";
import { defineWorkflow, type WorkflowDefinition, type WorkflowOutput } from "./definition.ts";
import type { JsonValue } from "./json.ts";
import { WorkflowRegistry } from "./registry.ts";

/** ping_pong v1: input "ping" gives "pong"; any other input fails, naming the input. */
export const PING_PONG = defineWorkflow("ping_pong", 1, async (input: JsonValue, ctx) => {
  const stage = await ctx.checkpoint("stage", "received");
  if (input !== "ping") {
    throw new InvalidArgumentError(`ping_pong expects "ping", got ${preview(input)}`);
  }
  const reply = await ctx.step("reply", () => "pong");
  await stage.set("replied");
  return reply;
});

/** Names the input without repeating a huge one into the error (it is stored and replicated). */
const PREVIEW_CHARS = 64;
function preview(input: JsonValue): string {
  const text = JSON.stringify(input);
  if (text.length <= PREVIEW_CHARS) return text;
  return `${text.slice(0, PREVIEW_CHARS)}... (${text.length} characters)`;
}

/** The workflows every node has, whatever else it loads. */
export const BUILTIN_WORKFLOWS: readonly WorkflowDefinition<never, WorkflowOutput>[] = [PING_PONG];

/** A registry holding the built-in workflows and then `extra`. */
export function registryWithBuiltins(
  extra: Iterable<WorkflowDefinition<never, WorkflowOutput>> = [],
): WorkflowRegistry {
  return new WorkflowRegistry([...BUILTIN_WORKFLOWS, ...extra]);
}
