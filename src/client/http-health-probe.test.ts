// The HTTP client's health check on a connection of its own: answered by a node over HTTP and
// over HTTPS with a client certificate, closed when given up on, and never thrown out of.

import { afterAll, beforeAll, expect, test } from "bun:test";
import {
  makeTestCertificates,
  type TestCertificates,
} from "../../test/support/test-certificates.ts";
import { probeHealth } from "./http-health-probe.ts";

let certificates: TestCertificates;
const cleanups: (() => void)[] = [];
beforeAll(() => {
  certificates = makeTestCertificates();
  cleanups.push(() => certificates.remove());
});
afterAll(() => {
  for (const cleanup of cleanups) cleanup();
});

/** Resolves once `probeHealth` calls back; the check is given up on after the test. */
function answerOf(address: string, tls?: Parameters<typeof probeHealth>[1]): Promise<void> {
  return new Promise((resolve) => {
    cleanups.push(probeHealth(address, tls, resolve));
  });
}

test("a node over HTTP answers the check", async () => {
  const paths: string[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      paths.push(new URL(request.url).pathname);
      return Response.json({ status: "ok" });
    },
  });
  cleanups.push(() => server.stop(true));
  await answerOf(`127.0.0.1:${server.port}`);
  expect(paths).toEqual(["/health"]);
});

test("a node over HTTPS that wants a client certificate answers the check", async () => {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: {
      cert: certificates.node.cert,
      key: certificates.node.key,
      ca: certificates.ca,
      requestCert: true,
      rejectUnauthorized: true,
    },
    fetch: () => Response.json({ status: "ok" }),
  });
  cleanups.push(() => server.stop(true));
  const { ca } = certificates;
  const { cert, key } = certificates.client;
  await answerOf(`127.0.0.1:${server.port}`, { ca, cert, key });
});

test("a check given up on closes its connection", async () => {
  let isOpen = false;
  let wasAsked = false;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    fetch(request) {
      wasAsked = true;
      isOpen = true;
      request.signal.addEventListener("abort", () => {
        isOpen = false;
      });
      return new Promise<Response>(() => undefined);
    },
  });
  cleanups.push(() => server.stop(true));
  let isAnswered = false;
  const cancel = probeHealth(`127.0.0.1:${server.port}`, undefined, () => {
    isAnswered = true;
  });
  const began = performance.now();
  while (!wasAsked && performance.now() - began < 5_000) await Bun.sleep(5);
  expect(isOpen).toBe(true);
  cancel();
  while (isOpen && performance.now() - began < 5_000) await Bun.sleep(5);
  expect(isOpen).toBe(false);
  expect(isAnswered).toBe(false);
});

test("TLS material the check cannot use makes no check, and throws nothing", () => {
  // The client's key with the node's certificate: tls.connect throws on it at once, and the
  // check runs in a timer, where a throw would end the process.
  const { ca } = certificates;
  const mismatched = { ca, cert: certificates.node.cert, key: certificates.client.key };
  let isAnswered = false;
  const giveUp = probeHealth("127.0.0.1:1", mismatched, () => {
    isAnswered = true;
  });
  giveUp();
  expect(isAnswered).toBe(false);
});
