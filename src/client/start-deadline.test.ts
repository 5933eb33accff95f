// A start sent to a node that takes it and never answers (an execution cluster that has just
// lost its majority holds it for seconds): the client's deadline passes, and the start may
// still happen, so it is not sent to another node, and the error says what to do.

import { afterAll, expect, test } from "bun:test";
import { callFailure } from "../../test/support/outcomes.ts";
import { RaftoralClient } from "./raftoral-client.ts";

const servers: { stop(force: boolean): void }[] = [];
afterAll(() => {
  for (const server of servers) server.stop(true);
});

/** A node that reads requests and never answers; counts the bytes it got. */
function silentNode(): { address: string; received: () => number } {
  let bytes = 0;
  const server = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(_socket, data) {
        bytes += data.byteLength;
      },
    },
  });
  servers.push(server);
  return { address: `http://127.0.0.1:${server.port}`, received: () => bytes };
}

test("a start without an answer by its deadline is not sent again, and says why", async () => {
  const [first, second] = [silentNode(), silentNode()];
  const client = new RaftoralClient([first.address, second.address], { timeoutMs: 300 });
  const failure = await callFailure(client.start("ping_pong", "ping"));
  await client.close();
  expect(failure.code).toBe("TIMEOUT");
  expect(failure.message).toContain("did not answer start in time");
  expect(failure.message).toContain("it may still be done, so it was not sent again");
  expect(failure.message).toContain("give it a workflowId");
  expect(first.received()).toBeGreaterThan(0);
  expect(second.received()).toBe(0);
});
