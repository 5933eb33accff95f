// Whether a failed HTTP call may have reached the node (RaftoralError.isAnswerLost): a caller
// sends a call that is not idempotent again only when it cannot have.

import { afterAll, expect, test } from "bun:test";
import { callFailure } from "../../test/support/outcomes.ts";
import { freePort } from "../../test/support/ports.ts";
import { makeTestCertificates } from "../../test/support/test-certificates.ts";
import { HttpProtocolClient } from "./http-client.ts";
import { RaftoralClient } from "./raftoral-client.ts";

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

test("a node whose certificate the client does not trust cannot have taken the request", async () => {
  const certificates = makeTestCertificates();
  cleanups.push(() => certificates.remove());
  let requests = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: { cert: certificates.node.cert, key: certificates.node.key },
    fetch: () => {
      requests++;
      return Response.json({ workflow_id: "w-1", execution_cluster_id: "1", success: true });
    },
  });
  cleanups.push(() => server.stop(true));
  const address = `127.0.0.1:${server.port}`;
  const client = new HttpProtocolClient(address, { tls: {} });
  const failure = await callFailure(client.startWorkflow(start, call));
  expect({ code: failure.code, isAnswerLost: failure.isAnswerLost }).toEqual({
    code: "UNAVAILABLE",
    isAnswerLost: false,
  });
  expect(failure.message).toContain("pass the CA that signed it with --tls-ca");
  // So a start says it reached no node, with the hint, not that its answer was lost.
  const operator = new RaftoralClient([`https://${address}`]);
  const unreached = await callFailure(operator.start("ping_pong", "ping"));
  await operator.close();
  expect(unreached.isAnswerLost).toBe(false);
  expect(unreached.message).toContain("--tls-ca");
  expect(unreached.message).not.toContain("was lost");
  expect(requests).toBe(0);
});

test("a cleartext call that an HTTPS node reset cannot have been taken", async () => {
  const certificates = makeTestCertificates();
  cleanups.push(() => certificates.remove());
  let requests = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: { cert: certificates.node.cert, key: certificates.node.key },
    fetch: () => {
      requests++;
      return Response.json({ workflow_id: "w-1", execution_cluster_id: "1" });
    },
  });
  cleanups.push(() => server.stop(true));
  // fetch says only ECONNRESET, as for a node that died mid-request: before, a start without
  // an id was "maybe done" and went to no other node.
  const client = new HttpProtocolClient(`127.0.0.1:${server.port}`);
  const failure = await callFailure(client.startWorkflow(start, call));
  expect({ code: failure.code, isAnswerLost: failure.isAnswerLost }).toEqual({
    code: "UNAVAILABLE",
    isAnswerLost: false,
  });
  expect(failure.message).toContain("the node speaks TLS on this port: call it with https://");
  expect(requests).toBe(0);
});

test("a call whose client certificate the node refused after the handshake was not taken", async () => {
  const certificates = makeTestCertificates();
  cleanups.push(() => certificates.remove());
  let requests = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: {
      ...{ cert: certificates.node.cert, key: certificates.node.key, ca: certificates.ca },
      ...{ requestCert: true, rejectUnauthorized: true },
    },
    fetch: () => {
      requests++;
      return Response.json({ workflow_id: "w-1", execution_cluster_id: "1" });
    },
  });
  cleanups.push(() => server.stop(true));
  // Signed by another CA: the node closes the connection once the handshake is done, and
  // fetch says only ECONNRESET.
  const { cert, key } = certificates.stranger;
  const client = new HttpProtocolClient(`127.0.0.1:${server.port}`, {
    tls: { ca: certificates.ca, cert, key },
  });
  const failure = await callFailure(client.startWorkflow(start, call));
  expect({ code: failure.code, isAnswerLost: failure.isAnswerLost }).toEqual({
    code: "UNAVAILABLE",
    isAnswerLost: false,
  });
  expect(failure.message).toContain("it refuses this client's certificate");
  expect(requests).toBe(0);
});
