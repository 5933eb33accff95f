// A workflow module for the binary: `raftoral --listen ... --workflows
// examples/payment-workflow.ts`. An order waits for its payment event, at most a day; the
// timeout is a value the code branches on. Send the event with `raftoral workflow signal`.

import { defineWorkflow } from "raftoral";

export type Order = { order: string; amountCents: number };
export type Payment = { amountCents: number };

export const awaitPayment = defineWorkflow("await_payment", 1, async (order: Order, ctx) => {
  const payment = await ctx.waitForEvent<Payment>("paid", { timeout: "1d" });
  if (payment.isTimedOut) return { order: order.order, status: "cancelled: no payment" };
  const isEnough = payment.payload.amountCents >= order.amountCents;
  // A real shop would ship in a step here, passing the step's idempotency key along.
  return { order: order.order, status: isEnough ? "paid" : "underpaid" };
});
