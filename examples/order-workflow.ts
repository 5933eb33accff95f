// A workflow module for the binary: `raftoral --listen ... --workflows examples/order-workflow.ts`
// (every node of the cluster loads the same file). It shows the pieces a real workflow uses:
// a replicated variable (checkpoint), side effects as steps with idempotency keys, and a
// result that depends only on the input and on recorded outcomes.

import { defineWorkflow } from "raftoral";

export type Order = { id: string; item: string; quantity: number };

/** Stock of the pretend warehouse. A real one would be another service. */
const STOCK: Readonly<Record<string, number>> = { book: 10, lamp: 1 };
const PRICE_CENTS = 1_250;

/**
 * Reserves stock. An idempotency key seen before returns the earlier answer: a step may run
 * again after a failover (at-least-once), and must not reserve twice.
 */
const reservations = new Map<string, boolean>();
function reserve(order: Order, idempotencyKey: string): boolean {
  const earlier = reservations.get(idempotencyKey);
  if (earlier !== undefined) return earlier;
  const isAvailable = (STOCK[order.item] ?? 0) >= order.quantity;
  reservations.set(idempotencyKey, isAvailable);
  return isAvailable;
}

export const processOrder = defineWorkflow("process_order", 1, async (order: Order, ctx) => {
  if (!Number.isInteger(order.quantity) || order.quantity < 1) {
    // Thrown errors are data: the execution ends Failed with this message on every node.
    throw new Error(`order ${order.id}: quantity must be a positive whole number`);
  }
  const status = await ctx.checkpoint("status", "received");
  const isReserved = await ctx.step("reserve-stock", ({ idempotencyKey }) =>
    reserve(order, idempotencyKey),
  );
  if (!isReserved) {
    await status.set("out_of_stock");
    return { orderId: order.id, status: status.get() };
  }
  await status.set("reserved");
  // Recorded once: a replay returns this charge id instead of charging again.
  const charge = await ctx.step("charge", ({ idempotencyKey }) => ({
    chargeId: `charge-${idempotencyKey}`,
    amountCents: order.quantity * PRICE_CENTS,
  }));
  await status.set("confirmed");
  ctx.log.info("order confirmed", { order: order.id, amount_cents: charge.amountCents });
  return {
    orderId: order.id,
    status: status.get(),
    amountCents: charge.amountCents,
    confirmedAtMs: ctx.now(),
  };
});
