// TLS handshakes in progress on a gRPC port, bounded. The server's connection cap
// (session-guard.ts) counts a TLS connection once its handshake is done, and the handshake's
// own deadline is 10 s: before, a stranger that opened connections and sent nothing held as
// many of the node's descriptors as it opened within those 10 s, up to the process's limit.
// Past the bound, the oldest handshake still in progress is closed for the new one, as the
// cleartext port's door does with connections that have not said what they speak
// (plain-http-door.ts). A client's own handshake ends within a few round trips.

import type net from "node:net";

/** TLS handshakes in progress at once before the oldest is closed for a new one. */
export const PENDING_HANDSHAKES_MAX = 1024;

/** The TLS server's events this needs (Bun's http2 secure server, tls.Server). */
interface TlsServerEvents {
  on(event: "connection" | "secureConnection", listener: (socket: net.Socket) => void): unknown;
}

/** What closes the connections whose handshake has not ended yet. */
export interface PendingHandshakes {
  closeAll(): void;
}

/**
 * Keeps at most `max` handshakes of `server` in progress. On Bun the socket of 'connection' is
 * the one 'secureConnection' gives once the handshake is done.
 */
export function boundHandshakes(server: TlsServerEvents, max: number): PendingHandshakes {
  // In the order they came: the first is the oldest.
  const pending = new Set<net.Socket>();
  server.on("connection", (socket) => {
    const oldest = pending.size >= max ? pending.values().next().value : undefined;
    if (oldest !== undefined) {
      // Out of the set at once: its 'close' comes later, and a burst must not pick it again.
      pending.delete(oldest);
      oldest.destroy();
    }
    pending.add(socket);
    socket.once("close", () => pending.delete(socket));
  });
  server.on("secureConnection", (socket) => pending.delete(socket));
  return {
    closeAll: () => {
      for (const socket of pending) socket.destroy();
    },
  };
}
