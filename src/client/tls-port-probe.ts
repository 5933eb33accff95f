// Whether a port that reset a cleartext HTTP request speaks TLS. Bun's fetch says only
// ECONNRESET when an http:// request meets an HTTPS node, as it does for a node that died in
// the middle of a request, so the client said the request may have been taken: a start
// without an id was reported "maybe done" and sent to no other node. A TLS port never reads
// cleartext as a request, so a reset from one took nothing. Asked only on that failure, once,
// from a client that has had no answer from the node yet.

import * as net from "node:net";
import * as tls from "node:tls";
import { parseAddress } from "../lib/index.ts";

/** How long the probe waits for a TLS handshake. */
export const TLS_PROBE_TIMEOUT_MS = 1_000;

/**
 * Resolves true once a TLS handshake with `address` (host:port) completes, whoever signed its
 * certificate (it is not trusted for anything: the connection closes at once); false when the
 * port does not speak TLS, refuses the connection, or takes longer than `timeoutMs`.
 */
export function speaksTls(address: string, timeoutMs = TLS_PROBE_TIMEOUT_MS): Promise<boolean> {
  const parsed = parseAddress(address);
  if (!parsed.ok) return Promise.resolve(false);
  const { host, port } = parsed.address;
  return new Promise((resolve) => {
    const socket = tls.connect({
      host,
      port,
      ...(net.isIP(host) === 0 ? { servername: host } : {}),
      rejectUnauthorized: false,
    });
    const done = (isTls: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(isTls);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once("secureConnect", () => done(true));
    socket.once("error", () => done(false));
    socket.once("close", () => done(false));
  });
}
