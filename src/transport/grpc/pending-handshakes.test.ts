import { expect, test } from "bun:test";
import http2 from "node:http2";
import net from "node:net";
import { makeTestCertificates } from "../../../test/support/test-certificates.ts";
import { createLogger } from "../../lib/index.ts";
import { GrpcServer } from "./server.ts";

const logger = createLogger({ level: "error", format: "text", write: () => undefined });

/** Polls `isDone` every 10 ms for up to 10 s: the server closes sockets from its own events. */
async function until(isDone: () => boolean): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (!isDone() && performance.now() < deadline) await Bun.sleep(10);
}

/** A TLS session to `port` whose handshake is done. */
async function tlsSession(port: number, ca: string): Promise<http2.ClientHttp2Session> {
  const session = http2.connect(`https://127.0.0.1:${port}`, { ca });
  session.on("error", () => undefined);
  await new Promise((resolve) => session.once("connect", resolve));
  return session;
}

test("past its bound of TLS handshakes in progress the server closes the oldest for the new one", async () => {
  const certificates = makeTestCertificates();
  const { cert, key } = certificates.node;
  const server = new GrpcServer({
    logger,
    closeGraceMs: 50,
    tls: { cert, key, isClientCertRequired: false },
    pendingHandshakesMax: 3,
  });
  const { port } = await server.listen("127.0.0.1", 0);
  const sockets: net.Socket[] = [];
  const closed = new Set<number>();
  const open = async (index: number) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.on("error", () => undefined);
    socket.on("close", () => closed.add(index));
    sockets.push(socket);
    await new Promise((resolve) => socket.once("connect", resolve));
  };
  const sessions: http2.ClientHttp2Session[] = [];
  try {
    // A client whose handshake is done no longer counts: the strangers never close it.
    sessions.push(await tlsSession(port, certificates.ca));
    // Before, every one of these stayed open for the whole handshake deadline (10 s).
    for (const index of [0, 1, 2]) await open(index);
    await open(3);
    await until(() => closed.has(0));
    expect([...closed]).toEqual([0]);
    // A burst arriving together closes as many of the oldest, not one of them many times.
    await Promise.all([4, 5, 6, 7, 8].map(open));
    await until(() => closed.size >= 6);
    expect([...closed].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(sessions[0]?.destroyed).toBe(false);
    // A new client still gets in: its handshake is the newest.
    sessions.push(await tlsSession(port, certificates.ca));
    // Closing the server ends the handshakes still waiting, without their 10 s.
    await server.close();
    await until(() => closed.size === 9);
    expect(closed.size).toBe(9);
  } finally {
    for (const session of sessions) session.destroy();
    for (const socket of sockets) socket.destroy();
    await server.close();
    certificates.remove();
  }
}, 20_000);
