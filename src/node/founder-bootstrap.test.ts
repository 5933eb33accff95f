// A founder killed after hosting its management group and before its bootstrap command
// committed: every restart was refused ("the cluster is not bootstrapped yet"). Its restart
// now commits the command, as the founder it was.

import { expect, test } from "bun:test";
import { flush, loneHost, settle } from "../../test/support/host-cluster.ts";
import {
  createLogger,
  DEFAULT_RETENTION,
  MANAGEMENT_GROUP,
  nodeId,
  type VirtualClock,
} from "../lib/index.ts";
import { ManagementMachine } from "../management/index.ts";
import { MemoryLogStorage } from "../storage/index.ts";
import { type FounderDeps, finishBootstrap } from "./founder-bootstrap.ts";
import { campaignIfSoleVoter } from "./sole-voter.ts";

const SELF = nodeId(1);
const FOUNDING = { clusterId: "c-1", transport: "grpc" as const, retention: DEFAULT_RETENTION };

/** Storage as a founder killed between hosting its management group and bootstrapping it. */
async function founderKilledMidBootstrap(): Promise<MemoryLogStorage> {
  const storage = new MemoryLogStorage();
  const { host, clock } = loneHost({ storage });
  const created = settle(
    host.createGroup(
      MANAGEMENT_GROUP,
      { mode: "bootstrap", voters: [SELF] },
      new ManagementMachine(),
    ),
  );
  while (!created.done) {
    clock.advance(1);
    await flush();
  }
  host.stop();
  return storage;
}

/** A restart from `storage`: the management group restored and running, as resume() does. */
async function restart(storage: MemoryLogStorage) {
  const machine = new ManagementMachine();
  const { host, clock } = loneHost({ storage });
  await host.restoreGroups(() => machine);
  campaignIfSoleVoter(host, SELF, MANAGEMENT_GROUP);
  const deps: FounderDeps & { clock: VirtualClock } = {
    host,
    machine,
    self: { id: SELF, address: "127.0.0.1:7001", instance: "i" },
    maxVoters: 5,
    workflowFingerprint: "f",
    proposalTimeoutMs: 2_000,
    logger: createLogger({ level: "error", format: "text", write: () => undefined }),
    clock,
  };
  return { host, clock, machine, deps };
}

async function run(clock: VirtualClock, work: Promise<void>): Promise<void> {
  const done = settle(work);
  for (let ms = 0; ms < 5_000 && !done.done; ms++) {
    clock.advance(1);
    await flush();
  }
  if (done.error !== undefined) throw done.error;
  expect(done.done).toBe(true);
}

test("the founder's restart commits the bootstrap it never did", async () => {
  const { host, clock, machine, deps } = await restart(await founderKilledMidBootstrap());
  expect(machine.state().clusterId).toBe("");
  await run(clock, finishBootstrap(deps, FOUNDING));
  expect(machine.state().clusterId).toBe("c-1");
  expect([...machine.state().nodes.keys()]).toEqual([SELF]);
  host.stop();
});

test("a node whose identity names no cluster it founded proposes nothing", async () => {
  const { host, clock, machine, deps } = await restart(await founderKilledMidBootstrap());
  await run(clock, finishBootstrap(deps, { ...FOUNDING, clusterId: "" }));
  expect(machine.state().clusterId).toBe("");
  host.stop();
});
