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

/** A TCP relay to a server that can go silent, as a network dropping every packet does. */
export interface FreezableRelay {
  readonly address: string;
  /** From now on no byte crosses any connection, and none is closed. */
  freeze(): void;
  close(): Promise<void>;
}

interface RelayEnd {
  peer: Bun.Socket<RelayEnd> | undefined;
  /** Bytes for `peer` that arrived before it connected. */
  early: Uint8Array[];
}

/** Relays each connection to `target` ("127.0.0.1:port") until frozen. */
export async function freezableRelay(target: string): Promise<FreezableRelay> {
  const [hostname, port] = [
    target.slice(0, target.lastIndexOf(":")),
    target.slice(target.lastIndexOf(":") + 1),
  ];
  let isFrozen = false;
  const sockets = new Set<Bun.Socket<RelayEnd>>();
  const forward = (from: Bun.Socket<RelayEnd>, data: Uint8Array): void => {
    if (isFrozen) return;
    const to = from.data.peer;
    if (to === undefined) from.data.early.push(new Uint8Array(data));
    // Test traffic is small: a short write would mean a bug here, not backpressure to handle.
    else if (to.write(data) !== data.byteLength) throw new Error("relay: short write");
  };
  const handlers = {
    data: forward,
    close: (socket: Bun.Socket<RelayEnd>) => {
      sockets.delete(socket);
      if (!isFrozen) socket.data.peer?.end();
    },
  };
  const listener = Bun.listen<RelayEnd>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      ...handlers,
      open: (client) => {
        client.data = { peer: undefined, early: [] };
        sockets.add(client);
        Bun.connect<RelayEnd>({
          hostname,
          port: Number(port),
          socket: {
            ...handlers,
            open: (server) => {
              server.data = { peer: client, early: [] };
              sockets.add(server);
              client.data.peer = server;
              for (const bytes of client.data.early.splice(0)) forward(client, bytes);
            },
          },
        }).catch(() => client.end());
      },
    },
  });
  return {
    address: `127.0.0.1:${listener.port}`,
    freeze: () => {
      isFrozen = true;
    },
    close: async () => {
      listener.stop(true);
      for (const socket of sockets) socket.terminate();
    },
  };
}
