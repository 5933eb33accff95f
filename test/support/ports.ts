// Free loopback ports for tests that start real servers.

import { createServer } from "node:net";

/**
 * Ports are drawn below Linux's default ephemeral range (32768-60999): a port the kernel
 * picked for listen(0) may, between our close and the server's bind, become the source port
 * of some outgoing connection (the nodes talk to each other all the time), and the bind then
 * fails with EADDRINUSE. Nobody takes ports from this range on their own.
 */
const PORT_MIN = 20_000;
const PORT_MAX = 32_000;
/**
 * Handed out by this process: never twice. Drawn at random, so that test processes running
 * side by side rarely try the same one; the bind check settles the rest.
 */
const given = new Set<number>();

/** A port that was free a moment ago on 127.0.0.1, outside the ephemeral range. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = PORT_MIN + Math.floor(Math.random() * (PORT_MAX - PORT_MIN));
    if (given.has(port) || !(await canListen(port))) continue;
    given.add(port);
    return port;
  }
  throw new Error(`no free port found between ${PORT_MIN} and ${PORT_MAX}`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** Polls `condition` until it holds, failing after `timeoutMs` with `what` in the message. */
export async function eventually(
  what: string,
  condition: () => boolean,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await Bun.sleep(20);
  }
}
