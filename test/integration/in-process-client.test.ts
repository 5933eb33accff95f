// A program that embeds a RaftoralNode starts, waits for, signals and describes workflows
// through node.client(), with no HTTP or gRPC hop; the definitions type inputs, results and
// event payloads (this file must type-check: make check compiles it), and a RaftoralClient
// over the network takes the very same typed calls.

import { afterEach, describe, expect, test } from "bun:test";
import {
  defineEvent,
  RaftoralClient,
  RaftoralError,
  RaftoralNode,
  type WorkflowClient,
  WorkflowStepError,
  workflowType,
} from "../../src/index.ts";
import { defineWorkflow } from "../../src/workflow/index.ts";
import { quietLogger, startInProcessCluster } from "../support/in-process-cluster.ts";

interface Order {
  readonly id: string;
  readonly cents: number;
}

interface Receipt {
  readonly order: string;
  readonly paid: number;
}

const paid = defineEvent<{ readonly cents: number }>("paid");

const checkout = defineWorkflow("checkout", 1, async (order: Order, ctx): Promise<Receipt> => {
  const payment = await ctx.waitForEvent(paid, { timeout: "20s" });
  return { order: order.id, paid: payment.isTimedOut ? 0 : payment.payload.cents };
});

const double = defineWorkflow("double", 1, async (n: number) => 2 * n);

/** A step that fails with a code of its own; the workflow catches it by its class. */
const refund = defineWorkflow("refund", 1, async (_: null, ctx) => {
  try {
    await ctx.step("charge back", () => {
      throw Object.assign(new TypeError("card expired"), { code: "E_CARD" });
    });
    return "refunded";
  } catch (error) {
    if (!(error instanceof WorkflowStepError)) throw error;
    return { name: error.name, message: error.message, code: error.recorded.code ?? "none" };
  }
});

/** How a caller without the workflow's code declares it. */
const declaredDouble = workflowType<number, number>("double");

const nodes: RaftoralNode[] = [];
const clients: RaftoralClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
});

async function typedCalls(client: WorkflowClient): Promise<void> {
  const doubled = await client.run(double, 21);
  expect(doubled.status).toBe("completed");
  // Typed from the definition: output is a number here.
  if (doubled.status === "completed") expect(doubled.output + 1).toBe(43);
  const declared = await client.run(declaredDouble, 5);
  expect(declared).toMatchObject({ status: "completed", output: 10 });

  const started = await client.start(checkout, { id: "A-7", cents: 1250 });
  await client.signal(started, paid, { cents: 1250 });
  const receipt = await client.wait(started, { timeoutMs: 20_000 });
  expect(receipt).toMatchObject({ status: "completed", output: { order: "A-7", paid: 1250 } });
  if (receipt.status === "completed") expect(receipt.output.paid).toBe(1250);
  expect((await client.describe(started.workflowId)).status).toBe("completed");
}

/** Never called: what the compiler refuses (make check fails if any line here compiles). */
export function typeErrors(client: WorkflowClient): void {
  // @ts-expect-error the input of double is a number
  void client.start(double, "twenty-one");
  // @ts-expect-error the payload of "paid" has cents
  void client.signal("A-7", paid, { euros: 1 });
  // @ts-expect-error a declared type checks input as a definition does
  void client.run(declaredDouble, [5]);
}

describe("typed workflow calls", () => {
  test("in-process through node.client(), and over gRPC through RaftoralClient", async () => {
    const addresses = await startInProcessCluster({
      size: 1,
      transport: "grpc",
      into: nodes,
      workflows: [checkout, double, refund],
    });
    await typedCalls((nodes[0] as RaftoralNode).client());
    expect(await (nodes[0] as RaftoralNode).client().run(refund, null)).toMatchObject({
      status: "completed",
      output: { name: "TypeError", message: "card expired", code: "E_CARD" },
    });
    const remote = new RaftoralClient(addresses, { timeoutMs: 15_000 });
    clients.push(remote);
    await typedCalls(remote);
  }, 60_000);

  test("node.client() before start says what to do", async () => {
    const node = new RaftoralNode({
      listen: "127.0.0.1:1",
      bootstrap: true,
      logger: quietLogger(),
    });
    expect(() => node.client()).toThrow(RaftoralError);
    expect(() => node.client()).toThrow(/await node.start\(\) before node.client\(\)/);
  });

  test("a node object starts once; after its stop, its clients and start() say so", async () => {
    await startInProcessCluster({ size: 1, transport: "http", into: nodes });
    const node = nodes[0] as RaftoralNode;
    const kept = node.client();
    await node.stop();
    expect(() => node.client()).toThrow("the node has stopped: it serves no more calls");
    // A client taken before the stop says the same, not that the node is starting.
    for (const call of [() => kept.describe("w-1"), () => kept.start("ping_pong", "ping")]) {
      const refused = await call().catch((error: unknown) => error);
      expect(refused).toMatchObject({
        code: "UNAVAILABLE",
        message: "the node has stopped: it serves no more calls",
      });
    }
    const again = await node.start().catch((error: unknown) => error);
    expect(again).toBeInstanceOf(RaftoralError);
    expect(again).toMatchObject({ code: "FAILED_PRECONDITION" });
    expect((again as Error).message).toContain("create a new RaftoralNode with the same options");
  });

  test("an address option that is not host:port is refused, naming the option", () => {
    const logger = quietLogger();
    for (const [options, message] of [
      [{ listen: "nonsense" }, "listen 'nonsense': expected host:port, e.g. 127.0.0.1:7001"],
      [{ listen: "127.0.0.1:99999" }, "listen '127.0.0.1:99999': port 99999"],
      [{ listen: "127.0.0.1:1", peers: ["10.0.0.1"] }, "peers '10.0.0.1': expected host:port"],
    ] as const) {
      expect(() => new RaftoralNode({ ...options, logger })).toThrow(message);
    }
  });

  test("a node id or a transport the CLI could not give is refused", () => {
    const logger = quietLogger();
    const listen = "127.0.0.1:1";
    for (const [options, message] of [
      [{ nodeId: 0 }, "nodeId 0: a node id is a positive integer"],
      [{ nodeId: 1.5 }, "nodeId 1.5: a node id is a positive integer"],
      [{ nodeId: "2" }, 'nodeId "2": a node id is a positive integer'],
      [{ transport: "HTTP" }, 'transport "HTTP": it is "grpc" (the default) or "http"'],
    ] as const) {
      let refusal: unknown;
      try {
        new RaftoralNode({ listen, ...(options as object), logger });
      } catch (error) {
        refusal = error;
      }
      expect(refusal).toMatchObject({ code: "INVALID_ARGUMENT" });
      expect((refusal as Error).message).toStartWith(message);
    }
  });
});
