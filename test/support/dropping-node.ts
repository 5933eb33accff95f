// A "node" that takes TCP connections and drops them without an answer: as soon as one opens,
// or once it has read a request. Counts the connections it dropped; the test stops it. A TLS
// hello is dropped but not counted: it is an HTTP client asking whether the port speaks TLS
// after its request was reset (src/client/tls-port-probe.ts), not a request.

export interface DroppingNode {
  readonly address: string;
  dropped(): number;
  stop(force: boolean): void;
}

export function droppingNode(when: "on-open" | "after-request"): DroppingNode {
  let dropped = 0;
  const server = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(socket) {
        if (when !== "on-open") return;
        dropped++;
        socket.end();
      },
      data(socket, data) {
        if (when !== "after-request") return;
        const isTlsHello = data[0] === 0x16;
        if (!isTlsHello) dropped++;
        socket.terminate();
      },
    },
  });
  return {
    address: `http://127.0.0.1:${server.port}`,
    dropped: () => dropped,
    stop: (force) => server.stop(force),
  };
}
