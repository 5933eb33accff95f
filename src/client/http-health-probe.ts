// One check that a node answers at all, on a connection of its own. Not with fetch: Bun's fetch
// sends at most 256 requests at once per process and queues the rest, so while 256 calls wait
// on long answers (workflow waits) a health request made with fetch is never sent, and a node
// that is fine would be judged silent and every call to it abandoned. A socket (node:net, or
// node:tls for HTTPS; in Bun and Node alike) sends `GET /health` at once; the first byte of any
// answer is the sign of life, and the socket closes.

import * as net from "node:net";
import * as tls from "node:tls";
import { parseAddress } from "../lib/index.ts";
import type { ClientTls } from "../transport/index.ts";

/**
 * Asks the node at `address` (host:port) for its health, calling `answered` when its answer
 * begins; a refused or failed connection calls nothing (the caller counts the silence).
 * Returns what gives up on the check: it closes the connection, so that nothing is left open
 * to keep the process alive.
 */
export function probeHealth(
  address: string,
  clientTls: ClientTls | undefined,
  answered: () => void,
): () => void {
  const parsed = parseAddress(address);
  // The calls themselves fail on such an address, each saying why.
  if (!parsed.ok) return () => undefined;
  const { host, port, text } = parsed.address;
  const request = `GET /health HTTP/1.1\r\nHost: ${text}\r\nConnection: close\r\n\r\n`;
  let socket: net.Socket;
  try {
    socket =
      clientTls === undefined
        ? net.connect({ host, port }, () => socket.write(request))
        : tls.connect(
            {
              host,
              port,
              // Names only: RFC 6066 has no server name for an IP address.
              ...(net.isIP(host) === 0 ? { servername: host } : {}),
              // Node's fetch takes no TLS options: it trusts what Node trusts, and so does this.
              ...(typeof Bun === "undefined" ? {} : clientTls),
            },
            () => socket.write(request),
          );
  } catch {
    // TLS material that cannot be used (a key that is not the certificate's) throws here, in
    // a timer: no answer, and the calls, which use the same material under Bun, fail saying why.
    return () => undefined;
  }
  socket.once("data", () => {
    socket.destroy();
    answered();
  });
  // Refused, reset or cut off: no answer, which is what the caller measures.
  socket.on("error", () => socket.destroy());
  return () => socket.destroy();
}
