// Whether a failed HTTP call may have reached the node (RaftoralError.isAnswerLost): a caller
// sends a call that is not idempotent again only when it cannot have.

import { afterAll, expect, test } from "bun:test";
import { callFailure } from "../../test/support/outcomes.ts";
import { freePort } from "../../test/support/ports.ts";
import { HttpProtocolClient } from "./http-client.ts";

const start = { workflowType: "ping_pong", version: 1, input: "ping" };
const call = { timeoutMs: 5_000 };
const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const cleanup of cleanups) cleanup();
});

test("a node that took the request and closed the connection leaves the answer lost", async () => {
  let received = "";
  const server = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(socket, data) {
        received += data.toString();
        socket.end();
      },
    },
  });
  cleanups.push(() => server.stop(true));
  const client = new HttpProtocolClient(`127.0.0.1:${server.port}`);
  const failure = await callFailure(client.startWorkflow(start, call));
  expect({ code: failure.code, isAnswerLost: failure.isAnswerLost }).toEqual({
    code: "UNAVAILABLE",
    isAnswerLost: true,
  });
  expect(received).toStartWith("POST /workflow/execute");
  expect(failure.message).not.toContain("verbose");
});

test("a refused connection cannot have delivered the request", async () => {
  const client = new HttpProtocolClient(`127.0.0.1:${await freePort()}`);
  const failure = await callFailure(client.startWorkflow(start, call));
  expect({ code: failure.code, isAnswerLost: failure.isAnswerLost }).toEqual({
    code: "UNAVAILABLE",
    isAnswerLost: false,
  });
});
