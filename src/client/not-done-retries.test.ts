// A start without the caller's id must not be done twice, so the client sends it to another
// node only while none may have done it. A node that refused it before doing anything (one
// restarting) says so on the wire, over both transports (gRPC trailer `raftoral-not-done`,
// HTTP field `not_done`), and then the start goes to the next node, and round after round
// until its timeout while nodes keep refusing it so. A refusal without that word ends it.
// Nodes that cannot be reached did not get it either: a client they answered before asks
// again until its timeout (every node restarting); a fresh one fails at once.

import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { FakeNodeApi } from "../../test/contracts/fake-node-api.ts";
import { callFailure } from "../../test/support/outcomes.ts";
import { createLogger, groupId, RaftoralError } from "../lib/index.ts";
import { GrpcTransportServer } from "../transport/grpc/grpc-transport-server.ts";
import { HttpTransportServer } from "../transport/http/http-transport-server.ts";
import { UnreachableError, UnservedError } from "./client-errors.ts";
import { RaftoralClient } from "./raftoral-client.ts";

const logger = createLogger({ level: "error", format: "text", write: () => undefined });
const STARTING = "this node is still starting (opening its groups); retry shortly";
const servers: { close(): Promise<void> }[] = [];
const clients: RaftoralClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
});
afterAll(async () => {
  for (const server of servers) await server.close();
});

/** A node on `transport` whose starts are refused, `isNotDone` or not, `refusals` times. */
async function node(transport: "grpc" | "http", refusals: number, isNotDone = true) {
  const api = new FakeNodeApi();
  let asked = 0;
  api.script.startWorkflow = async () => {
    asked++;
    if (asked <= refusals) throw new RaftoralError("UNAVAILABLE", STARTING, { isNotDone });
    return { workflowId: `w-${transport}`, executionClusterId: groupId(1), alreadyStarted: false };
  };
  const server =
    transport === "grpc"
      ? new GrpcTransportServer({ logger, closeGraceMs: 50 })
      : new HttpTransportServer({ logger });
  servers.push(server);
  const { port } = await server.listen("127.0.0.1", 0, api);
  return { address: `${transport}://127.0.0.1:${port}`, asked: () => asked };
}

function clientOf(addresses: string[]): RaftoralClient {
  const client = new RaftoralClient(addresses, { retryDelayMs: 50 });
  clients.push(client);
  return client;
}

for (const transport of ["grpc", "http"] as const) {
  describe(`over ${transport}`, () => {
    test("a start one node refused before doing anything goes to the next node", async () => {
      const restarting = await node(transport, Number.POSITIVE_INFINITY);
      const serving = await node(transport, 0);
      const started = await clientOf([restarting.address, serving.address]).start(
        "ping_pong",
        "ping",
        { timeoutMs: 5_000 },
      );
      expect(started.workflowId).toBe(`w-${transport}`);
      expect([restarting.asked(), serving.asked()]).toEqual([1, 1]);
    });

    test("a node alone that refuses so is asked again until it serves", async () => {
      const restarting = await node(transport, 4);
      const started = await clientOf([restarting.address]).start("ping_pong", "ping", {
        timeoutMs: 5_000,
      });
      expect(started.workflowId).toBe(`w-${transport}`);
      expect(restarting.asked()).toBe(5);
    });

    test("one that keeps refusing so fails when the timeout is up, with its reason", async () => {
      const restarting = await node(transport, Number.POSITIVE_INFINITY);
      const began = performance.now();
      const failure = await callFailure(
        clientOf([restarting.address]).start("ping_pong", "ping", { timeoutMs: 800 }),
      );
      expect(failure).toBeInstanceOf(UnservedError);
      expect(failure.message).toContain(STARTING);
      expect(performance.now() - began).toBeGreaterThan(700);
      expect(restarting.asked()).toBeGreaterThan(3);
    });

    test("a refusal that does not say it did nothing is the start's outcome", async () => {
      const refusing = await node(transport, Number.POSITIVE_INFINITY, false);
      const serving = await node(transport, 0);
      const failure = await callFailure(
        clientOf([refusing.address, serving.address]).start("ping_pong", "ping", {
          timeoutMs: 5_000,
        }),
      );
      expect(failure.message).toContain(STARTING);
      expect([refusing.asked(), serving.asked()]).toEqual([1, 0]);
    });
  });
}

test("a client the nodes answered before rides through a restart of every node", async () => {
  let asked = 0;
  const serve = (port: number) =>
    Bun.serve({
      hostname: "127.0.0.1",
      port,
      fetch() {
        asked++;
        return Response.json({ success: true, workflow_id: "w-back", execution_cluster_id: "1" });
      },
    });
  let server = serve(0);
  const port = server.port as number;
  const client = clientOf([`http://127.0.0.1:${port}`]);
  expect((await client.start("ping_pong", "ping")).workflowId).toBe("w-back");
  server.stop(true);
  // Nothing listens now: a start without an id did not reach it, so it may be sent again.
  const started = client.start("ping_pong", "ping", { timeoutMs: 5_000 });
  await Bun.sleep(300);
  server = serve(port);
  expect((await started).workflowId).toBe("w-back");
  expect(asked).toBe(2);
  server.stop(true);
  // A client no node ever answered still fails at once: a wrong address, most likely.
  const fresh = clientOf([`http://127.0.0.1:${port}`]);
  const began = performance.now();
  expect(await callFailure(fresh.start("ping_pong", "ping", { timeoutMs: 5_000 }))).toBeInstanceOf(
    UnreachableError,
  );
  expect(performance.now() - began).toBeLessThan(2_000);
});
