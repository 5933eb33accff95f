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
  // A start without an id then goes to no other node, and its outcome is unknown: TIMEOUT,
  // never UNAVAILABLE, which callers retry.
  const operator = new RaftoralClient([`http://127.0.0.1:${server.port}`, "http://127.0.0.1:1"]);
  const unknown = await callFailure(operator.start("ping_pong", "ping"));
  await operator.close();
  expect({ code: unknown.code, isAnswerLost: unknown.isAnswerLost }).toEqual({
    code: "TIMEOUT",
    isAnswerLost: true,
  });
  expect(unknown.message).toContain("it may have been done, so it was not sent again");
});

test("a refused connection cannot have delivered the request", async () => {
  const client = new HttpProtocolClient(`127.0.0.1:${await freePort()}`);
  const failure = await callFailure(client.startWorkflow(start, call));
  expect({ code: failure.code, isAnswerLost: failure.isAnswerLost }).toEqual({
    code: "UNAVAILABLE",
    isAnswerLost: false,
  });
});

/**
 * An HTTPS "node" that answers every request as a started workflow and counts the requests
 * it read; `isMutual` makes it require a client certificate from the test CA.
 */
function httpsNode(isMutual = false) {
  const certificates = makeTestCertificates();
  cleanups.push(() => certificates.remove());
  let requests = 0;
  const { cert, key } = certificates.node;
  const mutual = { ca: certificates.ca, requestCert: true, rejectUnauthorized: true };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: { cert, key, ...(isMutual ? mutual : {}) },
    fetch: () => {
      requests++;
      return Response.json({ workflow_id: "w-1", execution_cluster_id: "1", success: true });
    },
  });
  cleanups.push(() => server.stop(true));
  return { certificates, address: `127.0.0.1:${server.port}`, requests: () => requests };
}

/** The failure of a start through `client`, which no node may have taken. */
async function unsentStart(client: HttpProtocolClient) {
  const failure = await callFailure(client.startWorkflow(start, call));
  expect({ code: failure.code, isAnswerLost: failure.isAnswerLost }).toEqual({
    code: "UNAVAILABLE",
    isAnswerLost: false,
  });
  return failure;
}

test("a node whose certificate the client does not trust cannot have taken the request", async () => {
  const node = httpsNode();
  const failure = await unsentStart(new HttpProtocolClient(node.address, { tls: {} }));
  expect(failure.message).toContain("pass the CA that signed it with --tls-ca");
  // So a start says it reached no node, with the hint, not that its answer was lost.
  const operator = new RaftoralClient([`https://${node.address}`]);
  const unreached = await callFailure(operator.start("ping_pong", "ping"));
  await operator.close();
  expect(unreached.isAnswerLost).toBe(false);
  expect(unreached.message).toContain("--tls-ca");
  expect(unreached.message).not.toContain("was lost");
  expect(node.requests()).toBe(0);
});

test("a cleartext call that an HTTPS node reset cannot have been taken", async () => {
  const node = httpsNode();
  // fetch says only ECONNRESET, as for a node that died mid-request: before, a start without
  // an id was "maybe done" and went to no other node.
  const failure = await unsentStart(new HttpProtocolClient(node.address));
  expect(failure.message).toContain("the node speaks TLS on this port: call it with https://");
  expect(node.requests()).toBe(0);
});

test("a call whose client certificate the node refused after the handshake was not taken", async () => {
  const node = httpsNode(true);
  // Signed by another CA: the node closes the connection once the handshake is done, and
  // fetch says only ECONNRESET.
  const { cert, key } = node.certificates.stranger;
  const tls = { ca: node.certificates.ca, cert, key };
  const failure = await unsentStart(new HttpProtocolClient(node.address, { tls }));
  expect(failure.message).toContain("it refuses this client's certificate");
  expect(node.requests()).toBe(0);
});

test("an https:// call to a cleartext node is told the node speaks no TLS there", async () => {
  let requests = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () => {
      requests++;
      return Response.json({ success: true });
    },
  });
  try {
    const address = `127.0.0.1:${server.port}`;
    const failure = await unsentStart(new HttpProtocolClient(address, { tls: {} }));
    // fetch says only that the handshake failed, as for a client certificate the node wants.
    expect(failure.message).toContain("the node does not speak TLS on this port: use http://");
    expect(requests).toBe(0);
  } finally {
    server.stop(true);
  }
});
