// A workflow module for the binary: `raftoral --listen ... --workflows
// examples/reminder-workflow.ts`. It sends a reminder after a durable timer: the sleep is
// recorded in the execution cluster's log, holds no memory while it waits, and still ends
// on time if the node that started it fails (another member wakes it).

import { defineWorkflow } from "raftoral";

export type Reminder = { to: string; text: string; after: string };

/** A pretend mail service; a real one takes the idempotency key so a repeat sends nothing. */
const sent = new Map<string, string>();
function sendMail(to: string, text: string, idempotencyKey: string): string {
  const earlier = sent.get(idempotencyKey);
  if (earlier !== undefined) return earlier;
  const receipt = `mail-${sent.size + 1} to ${to}: ${text}`;
  sent.set(idempotencyKey, receipt);
  return receipt;
}

export const sendReminder = defineWorkflow("send_reminder", 1, async (input: Reminder, ctx) => {
  const askedAt = ctx.now();
  // "90s", "2h", "1d" or milliseconds; a bad duration fails the workflow, saying why.
  await ctx.sleep(input.after);
  const receipt = await ctx.step("send", ({ idempotencyKey }) =>
    sendMail(input.to, input.text, idempotencyKey),
  );
  return { receipt, waitedMs: ctx.now() - askedAt };
});
