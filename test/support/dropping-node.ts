// A "node" that takes TCP connections and drops them without an answer: as soon as one opens,
// or once it has read a request. Counts the connections it dropped; the test stops it.

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
      data(socket) {
        if (when !== "after-request") return;
        dropped++;
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
