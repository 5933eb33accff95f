// Workflows whose recorded logs live in test/golden/*.json. Their code is FROZEN: the golden
// files were recorded from exactly this code, so editing it (instead of adding a version)
// makes the golden test fail, as it would fail running executions in production.

import {
  CancelledError,
  defineWorkflow,
  registryWithBuiltins,
  type WorkflowRegistry,
} from "../../src/workflow/index.ts";

export interface OrderInput {
  readonly item: string;
  readonly quantity: number;
  readonly card: string;
  [key: string]: string | number;
}

class PaymentDeclined extends Error {
  override name = "PaymentDeclined";
}

/** Every ctx feature: checkpoint + set, steps with retry, a caught step error, now, random. */
export const GOLDEN_ORDER = defineWorkflow("golden_order", 1, async (input: OrderInput, ctx) => {
  const status = await ctx.checkpoint("status", "received");
  const orderNumber = Math.floor(ctx.random() * 1_000_000);
  const receivedAt = ctx.now();
  ctx.log.info("order received", { order: orderNumber });
  const stock = await ctx.step("check_stock", () =>
    input.quantity <= 5 ? { available: true, warehouse: "east" } : { available: false },
  );
  if (stock.available !== true) {
    await status.set("out_of_stock");
    return { orderNumber, status: status.get() };
  }
  await status.set("reserved");
  let payment: string;
  try {
    payment = await ctx.step(
      "charge_card",
      ({ attempt, idempotencyKey }) => {
        if (attempt < 2) throw new Error("gateway timeout");
        if (input.card !== "valid") throw new PaymentDeclined(`card ${input.card} declined`);
        return `charged:${idempotencyKey}`;
      },
      { retry: { attemptsMax: 3, initialDelayMs: 10 } },
    );
  } catch (error) {
    await status.set(`payment_failed: ${(error as Error).name}`);
    if (input.card === "stolen")
      throw new Error(`order ${orderNumber} refused: card reported stolen`);
    return { orderNumber, status: status.get() };
  }
  const shippedAt = ctx.now();
  const parcel = await ctx.step("ship", () => `${input.item} x${input.quantity}`);
  await status.set("shipped");
  return {
    orderNumber,
    status: status.get(),
    payment,
    parcel,
    handlingMs: shippedAt - receivedAt,
    isLucky: ctx.random() < 0.5,
  };
});

/**
 * The durable waits of runtime version 2: a sleep, an event that arrives, a step between,
 * and an event wait that times out.
 */
export const GOLDEN_WAITS = defineWorkflow("golden_waits", 1, async (input: string, ctx) => {
  const startedAt = ctx.now();
  await ctx.sleep("1s");
  const approval = await ctx.waitForEvent<string>("approve", { timeout: "1h" });
  const note = await ctx.step(
    "note",
    () => `${input} approved by ${approval.isTimedOut ? "nobody" : approval.payload}`,
  );
  const reminder = await ctx.waitForEvent("remind", { timeout: 2_000 });
  return { note, sleptAtLeastMs: ctx.now() - startedAt, reminded: !reminder.isTimedOut };
});

/** Patch markers (runtime version 3): a patched branch, a deprecated patch, a repeat answer. */
export const GOLDEN_PATCHED = defineWorkflow("golden_patched", 1, async (input: string, ctx) => {
  const isNew = ctx.patched("greeting-v2");
  const greeting = await ctx.step("greet", () => (isNew ? `Hello, ${input}!` : `Hi ${input}`));
  ctx.deprecatePatch("old-fix");
  const again = ctx.patched("greeting-v2");
  const shout = await ctx.step("shout", () => greeting.toUpperCase());
  return { greeting, shout, isNew, again };
});

/** Cancelled while it sleeps: the sleep throws CancelledError, a clean-up step runs. */
export const GOLDEN_CANCEL = defineWorkflow("golden_cancel", 1, async (input: string, ctx) => {
  const hold = await ctx.step("reserve", () => `hold for ${input}`);
  try {
    await ctx.sleep("1h");
    return { hold, isRenewed: true };
  } catch (error) {
    if (!(error instanceof CancelledError)) throw error;
    await ctx.step("release", () => `released ${hold}`);
    throw error;
  }
});

/** The registry golden logs replay against: the built-ins as shipped, plus the above. */
export function goldenRegistry(): WorkflowRegistry {
  return registryWithBuiltins([GOLDEN_ORDER, GOLDEN_WAITS, GOLDEN_PATCHED, GOLDEN_CANCEL]);
}
