// Groups of real node processes (the multi-Raft host with a KV state machine, SQLite
// storage, real transports): writes through any node, SIGKILL of the leader, writes go on,
// the old leader restarts from its storage and catches up (by log, or by snapshot).

import { afterEach, describe, expect, test } from "bun:test";
import { KvProcessCluster } from "../support/kv-process-cluster.ts";

let cluster: KvProcessCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

async function waitForLeader(current: KvProcessCluster): Promise<number> {
  let leader: number | undefined;
  const deadline = performance.now() + 20_000;
  while (leader === undefined) {
    if (performance.now() > deadline) throw new Error("no leader elected");
    leader = await current.leader();
    if (leader === undefined) await Bun.sleep(50);
  }
  return leader;
}

async function put(
  current: KvProcessCluster,
  id: number,
  key: string,
  value: string,
): Promise<void> {
  // A write may meet an election in progress; the host retries internally, the test once more.
  for (let attempt = 0; ; attempt++) {
    try {
      await current.call(id, "/put", { key, value });
      return;
    } catch (error) {
      if (attempt >= 5) throw error;
      await Bun.sleep(200);
    }
  }
}

describe.each([
  ["grpc", 3],
  ["http", 3],
  ["grpc", 5],
] as const)("KV group over %s with %i node processes", (transport, size) => {
  test("survives SIGKILL of the leader; the old leader restarts from SQLite and catches up", async () => {
    cluster = await KvProcessCluster.start({ size, transport, args: ["--snapshot-entries", "40"] });
    const current = cluster;
    await waitForLeader(current);
    for (const node of current.nodes) await put(current, node.id, `through-${node.id}`, "1");
    const leader = await waitForLeader(current);
    await current.kill(leader);
    const survivor = current.nodes.find((node) => node.id !== leader)?.id ?? 1;
    // Enough writes while it is down that it must catch up past a snapshot.
    for (let k = 0; k < 100; k++) await put(current, survivor, `after-${k}`, String(k));
    const read = await current.call<{ value: string | null }>(survivor, "/get?key=after-99");
    expect(read.value).toBe("99");
    await current.restart(leader);
    const deadline = performance.now() + 20_000;
    for (;;) {
      const local = await current.call<{ value: string | null }>(leader, "/local?key=after-99");
      const early = await current.call<{ value: string | null }>(leader, "/local?key=through-1");
      if (local.value === "99" && early.value === "1") break;
      if (performance.now() > deadline) throw new Error("the restarted node did not catch up");
      await Bun.sleep(50);
    }
  }, 90_000);
});
