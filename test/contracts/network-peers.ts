// Loopback addresses with a known behaviour, for the network transports' contract runs: one
// where nothing listens, and one that accepts connections and never says a word.

import type { SilentPeer } from "./transport.contract.ts";

/** "127.0.0.1:port" of a port that was free a moment ago (bound, then released). */
export async function unusedAddress(): Promise<string> {
  const probe = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: { data: () => undefined },
  });
  const address = `127.0.0.1:${probe.port}`;
  probe.stop(true);
  return address;
}

/** A TCP listener that accepts, reads and discards, and never answers. */
export async function silentTcpPeer(): Promise<SilentPeer> {
  const listener = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: { data: () => undefined },
  });
  return {
    address: `127.0.0.1:${listener.port}`,
    close: async () => listener.stop(true),
  };
}
