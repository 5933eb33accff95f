// A group of one voter and one learner, as every group of a two-node cluster is
// (management/voter-target.ts). The voter restarts, and the turn in which it elects itself
// also appends a proposal that waited for a leader. It dies during that turn's write, comes
// back from what its disk kept and goes on. The learner must end with the voter's state: had
// that turn's appends left before the new term was on disk, the learner would keep an entry
// the voter never had, under the same term and index as one the voter wrote later.

import { expect, test } from "bun:test";
import { groupId, nodeId } from "../../src/lib/index.ts";
import type { GroupWrite, WriteOptions } from "../../src/storage/index.ts";
import { ForwardingLogStorage } from "../support/forwarding-storage.ts";
import { HostCluster } from "../support/host-cluster.ts";
import { kvCommand } from "../support/kv-state-machine.ts";

const G = groupId(1);

/** A disk whose process dies during its first fsync: no synced write ever lands. */
class DyingDisk extends ForwardingLogStorage {
  override write(batch: readonly GroupWrite[], options?: WriteOptions): Promise<void> {
    if (options?.sync !== false) return new Promise(() => undefined);
    return this.inner.write(batch, options);
  }
}

const put = (key: string, value: string) => kvCommand({ op: "put", key, value });

test("a learner keeps nothing a restarted sole voter sent before its term was on disk", async () => {
  const cluster = new HostCluster();
  const one = await cluster.startNode(1);
  const two = await cluster.startNode(2);
  const created = one.host.createGroup(
    G,
    { mode: "bootstrap", voters: [nodeId(1)] },
    cluster.machineFor(1, G),
  );
  await cluster.advance(2);
  await created;
  one.host.campaign(G);
  await cluster.until(() => cluster.leaderOf(G) !== undefined);
  const joined = two.host.createGroup(G, { mode: "join" }, cluster.machineFor(2, G));
  await cluster.advance(20);
  await joined;
  const learner = { type: "addLearner", nodeId: nodeId(2) } as const;
  const added = one.host.proposeConfChange(G, {
    transition: "auto",
    changes: [learner],
    context: new Uint8Array(),
  });
  await cluster.advance(50);
  await added;
  const first = one.host.propose(G, put("k", "first"));
  await cluster.advance(50);
  await first;
  await cluster.until(() => cluster.machineFor(2, G).data.get("k") === "first");

  await cluster.crash(1);
  const dying = await cluster.startNode(1, (inner) => new DyingDisk(inner));
  dying.host.propose(G, put("lost", "never on the voter's disk")).catch(() => undefined);
  dying.host.campaign(G);
  await cluster.advance(50);
  await cluster.crash(1);

  const back = await cluster.startNode(1);
  back.host.propose(G, put("k", "second")).catch(() => undefined);
  back.host.campaign(G);
  await cluster.until(() => cluster.machineFor(1, G).data.get("k") === "second");
  const last = back.host.propose(G, put("last", "1"));
  await cluster.advance(50);
  await last;
  await cluster.until(() => cluster.machineFor(2, G).data.get("last") === "1");
  expect(Object.fromEntries(cluster.machineFor(2, G).data)).toEqual({ k: "second", last: "1" });
  expect(Object.fromEntries(cluster.machineFor(1, G).data)).toEqual({ k: "second", last: "1" });
});
