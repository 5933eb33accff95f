// A member restarted from its storage with another cluster secret: its peers refuse its
// messages, and its health says so (it used to say only that it was checking its storage in,
// and its log that the management group had lost its majority).

import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RaftoralNode } from "../../src/node/index.ts";
import { FAST_TUNING, quietLogger } from "../support/in-process-cluster.ts";
import { freePort } from "../support/ports.ts";

const nodes: RaftoralNode[] = [];
const directory = mkdtempSync(join(tmpdir(), "raftoral-wrong-secret-"));
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((node) => node.stop().catch(() => undefined)));
  rmSync(directory, { recursive: true, force: true });
});

const TUNING = { ...FAST_TUNING, leaderlessReportMs: 1_000 };

function member(address: string, k: number, secret: string, peers?: string[]): RaftoralNode {
  const node = new RaftoralNode({
    listen: address,
    storagePath: join(directory, `n${k}`),
    ...(peers === undefined ? { bootstrap: true } : { peers }),
    transport: "http",
    security: { clusterSecret: secret },
    logger: quietLogger(),
    tuning: TUNING,
  });
  nodes.push(node);
  return node;
}

test("a member back with another secret says in its health that its peers refuse it, and why", async () => {
  const secret = "the-cluster-secret-0123456789abcdef";
  const addresses = await Promise.all([0, 1, 2].map(async () => `127.0.0.1:${await freePort()}`));
  const [first = "", , third = ""] = addresses;
  for (const [k, address] of addresses.entries()) {
    await member(address, k, secret, k === 0 ? undefined : [first]).start();
  }
  await (nodes.pop() as RaftoralNode).stop();
  const back = member(third, 2, "another-secret-0123456789abcdef00");
  const started = back.start().catch((error: Error) => error);
  const reasonOf = async () => {
    const answer = await fetch(`http://${third}/health`).catch(() => undefined);
    return answer === undefined
      ? ""
      : String(((await answer.json()) as { reason?: string }).reason);
  };
  // Polled: the management group is reported leaderless after TUNING's second.
  let reason = "";
  for (const deadline = performance.now() + 20_000; performance.now() < deadline; ) {
    reason = await reasonOf();
    if (reason.includes("refuse this node's messages")) break;
    await Bun.sleep(100);
  }
  expect(reason).toStartWith("checking this node's storage in with the cluster: ");
  expect(reason).toContain("the cluster secret proof (x-raftoral-peer) is wrong");
  await back.stop();
  expect(await started).toBeInstanceOf(Error);
}, 60_000);
