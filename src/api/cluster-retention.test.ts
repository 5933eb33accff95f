// NodeApi.clusterRetention against a real ManagementMachine behind a host that applies each
// proposal at once: what a read answers, how a change merges, and that a bad one proposes
// nothing.

import { describe, expect, test } from "bun:test";
import { DEFAULT_RETENTION, type LogIndex, nodeId, type RetentionSetting } from "../lib/index.ts";
import { encodeManagementCommand, ManagementMachine } from "../management/index.ts";
import { BUILT_IN_RETENTION, clusterRetention } from "./cluster-retention.ts";

function cluster(retention?: RetentionSetting) {
  const machine = new ManagementMachine();
  let index = 0;
  const proposals: Uint8Array[] = [];
  let reads = 0;
  const apply = (command: Uint8Array) => machine.apply(command, ++index as LogIndex);
  apply(
    encodeManagementCommand({
      type: "bootstrap",
      clusterId: "c",
      transport: "grpc",
      maxVoters: 5,
      workflowFingerprint: "f",
      node: { id: nodeId(1), address: "h:1", instance: "i" },
      ...(retention === undefined ? {} : { retention }),
    }),
  );
  const host = {
    read: async () => {
      reads++;
    },
    propose: async (_group: unknown, command: Uint8Array) => {
      proposals.push(command);
      return apply(command);
    },
  };
  let leaderless: string | undefined;
  const deps = { host, machine, proposalTimeoutMs: 1_000, managementLeaderless: () => leaderless };
  const loseLeader = (why: string) => {
    leaderless = why;
  };
  return { deps, machine, proposals, reads: () => reads, loseLeader };
}

describe("clusterRetention", () => {
  test("without a management leader for long, a read or change fails at once, saying why", async () => {
    const { deps, proposals, reads, loseLeader } = cluster(DEFAULT_RETENTION);
    loseLeader("The management group has had no leader for 6 s (voters 2, 3 unreachable)");
    for (const request of [{}, { finishedMax: 7 }]) {
      const refused = await clusterRetention(deps, request).catch((error: unknown) => error);
      expect(refused).toMatchObject({ code: "UNAVAILABLE" });
      expect((refused as Error).message).toContain("has had no leader for 6 s");
    }
    expect(reads()).toBe(0);
    expect(proposals).toHaveLength(0);
  });

  test("a read answers the recorded setting after a read barrier, proposing nothing", async () => {
    const { deps, proposals, reads } = cluster(DEFAULT_RETENTION);
    expect(await clusterRetention(deps, {})).toEqual({ retention: DEFAULT_RETENTION, isSet: true });
    expect(reads()).toBe(1);
    expect(proposals).toHaveLength(0);
  });

  test("a cluster older than the setting reads as the built-in limits, not set", async () => {
    const { deps } = cluster();
    expect(await clusterRetention(deps, {})).toEqual({
      retention: BUILT_IN_RETENTION,
      isSet: false,
    });
    expect(BUILT_IN_RETENTION).toEqual({ finishedMax: 10_000, retainForMs: 0, retainAtLeastMs: 0 });
  });

  test("a change keeps the fields it does not name", async () => {
    const start = { finishedMax: 50, retainForMs: 86_400_000, retainAtLeastMs: 60_000 };
    const { deps, machine } = cluster(start);
    const info = await clusterRetention(deps, { finishedMax: 7 });
    expect(info).toEqual({ retention: { ...start, finishedMax: 7 }, isSet: true });
    expect(machine.state().retention).toEqual({ ...start, finishedMax: 7 });
  });

  test("in a cluster without a setting, a change starts from the defaults", async () => {
    const { deps, machine } = cluster();
    await clusterRetention(deps, { retainForMs: 7_200_000 });
    expect(machine.state().retention).toEqual({ ...DEFAULT_RETENTION, retainForMs: 7_200_000 });
  });

  test("a change that breaks the rules is refused before anything is proposed", async () => {
    const { deps, proposals, machine } = cluster(DEFAULT_RETENTION);
    // The floor of a minute would exceed a 30-second time limit.
    const refused = clusterRetention(deps, { retainForMs: 30_000 });
    await expect(refused).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(refused).rejects.toThrow(/--retain-at-least/);
    // A count out of range names the field as the APIs do.
    await expect(clusterRetention(deps, { finishedMax: 20_000_000 })).rejects.toThrow(
      "retention setting: finished_max must be an integer from 1 to 10000000",
    );
    expect(proposals).toHaveLength(0);
    expect(machine.state().retention).toEqual(DEFAULT_RETENTION);
  });
});
