// A node whose file descriptors are all taken by clients that connect and send nothing (a
// low `ulimit -n`, or a stranger holding connections open). It cannot take new connections
// meanwhile, but that is no failure of its disk: it must not stop as if its storage had
// failed, and it must serve again once the connections close. Before, the durable mark's
// once-a-second write (it opens a temporary file) failed with EMFILE while the node took part
// in its groups' writes, and the node stopped with exit 74, "storage failed". And it says so:
// a warning names the limit and how to raise it, and a notice tells when it is over.

import { afterAll, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import { DESCRIPTOR_CHECK_INTERVAL_MS } from "../../src/cli/descriptor-watch.ts";
import { RaftoralClient } from "../../src/client/index.ts";
import { NodeProcessCluster } from "../support/node-process-cluster.ts";

const clusters: NodeProcessCluster[] = [];

afterAll(async () => {
  for (const cluster of clusters.splice(0)) await cluster.stop();
});

/** The victim's descriptor limit: room to start, and few enough to take them all. */
const DESCRIPTORS_MAX = 96;

/**
 * Keeps `count` connections to `address` open, sending nothing, opening a new one for each
 * the node closes, until the returned function is called.
 */
function holdConnections(address: string, count: number): () => void {
  const [host, port] = address.split(":");
  const sockets = new Set<Socket>();
  let isHolding = true;
  const open = () => {
    if (!isHolding) return;
    const socket = connect({ host, port: Number(port) });
    sockets.add(socket);
    // Handled: a refused or reset connection is replaced, as any other that closes.
    socket.on("error", () => undefined);
    socket.on("close", () => {
      sockets.delete(socket);
      setTimeout(open, 50);
    });
  };
  for (let index = 0; index < count; index += 1) open();
  return () => {
    isHolding = false;
    for (const socket of sockets) socket.destroy();
  };
}

/** Polls `condition` until it holds, for a few of the descriptor watch's looks at most. */
async function until(condition: () => boolean): Promise<void> {
  const waitMs = 4 * DESCRIPTOR_CHECK_INTERVAL_MS;
  const deadline = performance.now() + waitMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`not so after ${waitMs} ms`);
    await Bun.sleep(100);
  }
}

test.each(["grpc", "http"] as const)(
  "%s: clients holding every descriptor of a node do not stop it; it serves again once they let go",
  async (transport) => {
    const cluster = new NodeProcessCluster(transport);
    clusters.push(cluster);
    const first = await cluster.add();
    await cluster.add();
    const wrap = (command: string[]) => [
      "sh",
      "-c",
      `ulimit -n ${DESCRIPTORS_MAX} && exec "$@"`,
      "sh",
      ...command,
    ];
    const victim = await cluster.add(transport, { wrap });
    const exited = victim.process?.exited;
    if (exited === undefined) throw new Error("the victim is not running");
    const client = new RaftoralClient(first.address, { transport, timeoutMs: 10_000 });
    const release = holdConnections(victim.address, DESCRIPTORS_MAX * 3);
    try {
      // Writes keep coming to the victim (a member of the only execution cluster) for several
      // of the mark's one-second intervals while it has no descriptor to spare.
      const deadline = performance.now() + 5_000;
      while (performance.now() < deadline) {
        expect(await client.run("ping_pong", "ping")).toMatchObject({ output: "pong" });
      }
      const state = await Promise.race([exited, Bun.sleep(2_000).then(() => "running")]);
      expect(victim.log).not.toContain("The node stops");
      expect(state).toBe("running");
      // And it says why it takes no connection (cli/descriptor-watch.ts).
      await until(() =>
        /This process has (no file descriptor to spare|\d+ of its)/.test(victim.log),
      );
      expect(victim.log).toContain("LimitNOFILE=");
    } finally {
      release();
      await client.close();
    }
    // Serving again: a workflow started through the victim itself runs to its end.
    const direct = new RaftoralClient(victim.address, { transport, timeoutMs: 10_000 });
    try {
      const deadline = performance.now() + 30_000;
      let ran: unknown;
      while (ran === undefined && performance.now() < deadline) {
        // Handled: until the held connections are gone the victim may not answer in time.
        ran = await direct.run("ping_pong", "ping").catch(() => undefined);
      }
      expect(ran).toMatchObject({ status: "completed", output: "pong" });
      await until(() => victim.log.includes("File descriptors are no longer short"));
    } finally {
      await direct.close();
    }
  },
  120_000,
);
