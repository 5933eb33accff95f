// GET /metrics on a 3-node cluster of real nodes (in one process, real transports): the text
// parses as the Prometheus exposition format, and what it says agrees with the cluster. HTTP
// nodes serve it on their port; gRPC nodes on their --http-listen port.

import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { RaftoralClient } from "../../src/client/index.ts";
import { createLogger } from "../../src/lib/index.ts";
import { RaftoralNode } from "../../src/node/index.ts";
import { defineWorkflow } from "../../src/workflow/index.ts";
import { ROOT } from "../support/compiled-binary.ts";
import { eventually, freePort } from "../support/ports.ts";
import { familyOf, type MetricFamily, parseMetrics, sampleOf } from "../support/prometheus-text.ts";

const nodes: RaftoralNode[] = [];
afterAll(async () => {
  await Promise.all(nodes.map((node) => node.stop()));
});

const quiet = () => createLogger({ level: "error", format: "text", write: () => undefined });
const nap = defineWorkflow("nap", 1, async (_: null, ctx) => ctx.sleep("1h"));
const approval = defineWorkflow("approval", 1, async (_: null, ctx) => ctx.waitForEvent("ok"));
/** Snapshots every few entries, so that the snapshot metrics have something to show. */
const FAST = {
  tickIntervalMs: 20,
  reconcileIntervalMs: 100,
  failureTimeoutMs: 2_000,
  snapshotEntries: 5,
};

async function startCluster(transport: "grpc" | "http") {
  const members: { node: RaftoralNode; address: string; metricsAddress: string }[] = [];
  for (let index = 0; index < 3; index++) {
    const address = `127.0.0.1:${await freePort()}`;
    const metricsAddress = transport === "http" ? address : `127.0.0.1:${await freePort()}`;
    const first = members[0];
    const node = new RaftoralNode({
      listen: address,
      ...(first === undefined ? { bootstrap: true } : { peers: [first.address] }),
      transport,
      ...(transport === "grpc" ? { httpListen: metricsAddress } : {}),
      logger: quiet(),
      tuning: FAST,
      workflows: [nap, approval],
    });
    nodes.push(node);
    await node.start();
    members.push({ node, address, metricsAddress });
  }
  return members;
}

async function scrape(address: string): Promise<MetricFamily[]> {
  const response = await fetch(`http://${address}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/plain; version=0.0.4");
  return parseMetrics(await response.text());
}

/** A sleeping and a waiting workflow show in every replica's gauges, and go with a cancel. */
async function expectSuspendedGauges(
  members: readonly { address: string; metricsAddress: string }[],
  scheme: string,
): Promise<void> {
  const client = new RaftoralClient(members.map((member) => `${scheme}://${member.address}`));
  const gauges = (families: MetricFamily[]) => [
    sampleOf(families, "raftoral_workflows_sleeping", { group: "1" }),
    sampleOf(families, "raftoral_workflows_waiting", { group: "1" }),
  ];
  try {
    const napping = await client.start(nap, null);
    const waiting = await client.start(approval, null);
    const both = await scrapeUntil(members, (families) => gauges(families).join() === "1,1");
    expect(both).toBe(true);
    await client.terminate(napping);
    await client.terminate(waiting);
    const none = await scrapeUntil(members, (families) => gauges(families).join() === "0,0");
    expect(none).toBe(true);
  } finally {
    await client.close();
  }
}

/** Each replica of group 1 took a snapshot of its own, of a state that holds workflows. */
function expectSnapshotsTaken(families: MetricFamily[]): void {
  expect(
    sampleOf(families, "raftoral_raft_snapshots_total", { group: "1", kind: "taken" }),
  ).toBeGreaterThan(0);
  expect(sampleOf(families, "raftoral_raft_snapshot_bytes", { group: "1" })).toBeGreaterThan(0);
  const encodes = familyOf(families, "raftoral_raft_snapshot_encode_seconds").metrics;
  expect(encodes.reduce((sum, sample) => sum + Number(sample.count ?? 0), 0)).toBeGreaterThan(0);
}

async function scrapeUntil(
  members: readonly { metricsAddress: string }[],
  holds: (families: MetricFamily[]) => boolean,
): Promise<boolean> {
  const deadline = performance.now() + 20_000;
  while (performance.now() < deadline) {
    const scrapes = await Promise.all(members.map((member) => scrape(member.metricsAddress)));
    if (scrapes.every(holds)) return true;
    await Bun.sleep(50);
  }
  return false;
}

describe.each(["http", "grpc"] as const)("metrics over %s", (transport) => {
  test("every node's scrape parses and agrees with the cluster", async () => {
    const members = await startCluster(transport);
    const scheme = transport === "grpc" ? "grpc" : "http";
    const client = new RaftoralClient(members.map((member) => `${scheme}://${member.address}`));
    for (let k = 0; k < 3; k++)
      expect(await client.run("ping_pong", "ping")).toMatchObject({ output: "pong" });
    await client.close();
    await eventually("group 1 has three voters", () => {
      const group = members[0]?.node.managementState().groups.get(1 as never);
      return group?.voters.length === 3;
    });

    const scrapes = await Promise.all(members.map((member) => scrape(member.metricsAddress)));
    for (const group of ["0", "1"]) {
      const leaders = scrapes.map((families) =>
        sampleOf(families, "raftoral_raft_is_leader", { group }),
      );
      expect(leaders.filter((value) => value === 1)).toHaveLength(1);
      const terms = scrapes.map((families) => sampleOf(families, "raftoral_raft_term", { group }));
      expect(terms.every((term) => term !== undefined && term >= 1)).toBe(true);
    }
    for (const [k, families] of scrapes.entries()) {
      // Followers talk only to leaders, so each node has sent to some peer, not to all.
      const sent = familyOf(families, "raftoral_peer_sent_messages_total").metrics;
      expect(sent.some((sample) => Number(sample.value) > 0)).toBe(true);
      expect(sent.map((sample) => sample.labels?.peer)).not.toContain(selfOf(members[k]));
      // Batches to those peers go on a stream each, not one request per batch.
      const streams = familyOf(families, "raftoral_peer_stream_open").metrics;
      expect(streams.some((sample) => Number(sample.value) === 1)).toBe(true);
      expect(sampleOf(families, "raftoral_raft_commit_index", { group: "1" })).toBeGreaterThan(0);
      expect(sampleOf(families, "process_resident_memory_bytes")).toBeGreaterThan(0);
      expect(sampleOf(families, "process_cpu_seconds_total")).toBeGreaterThan(0);
      expect(familyOf(families, "raftoral_event_loop_lag_seconds").type).toBe("HISTOGRAM");
      expectSnapshotsTaken(families);
    }
    // Every replica applies the three starts and finishes (a follower may apply the last
    // completion just after the client heard of it).
    const counted = await scrapeUntil(members, (families) => {
      const started = sampleOf(families, "raftoral_workflows_started_total", { group: "1" });
      const done = sampleOf(families, "raftoral_workflows_finished_total", {
        group: "1",
        status: "Completed",
      });
      return started === 3 && done === 3 && isGroupIdle(families);
    });
    expect(counted).toBe(true);
    const proposals = scrapes.map((families) =>
      familyOf(families, "raftoral_raft_proposal_seconds").metrics.reduce(
        (sum, sample) => sum + Number(sample.count ?? 0),
        0,
      ),
    );
    expect(proposals.reduce((sum, count) => sum + count, 0)).toBeGreaterThan(0);
    // ping_pong runs one step each time, on its owner: three steps in the cluster, all ok.
    // (The parser drops a histogram's labels, so the outcome is read from the attempts.)
    const steps = scrapes.map((families) =>
      familyOf(families, "raftoral_workflow_step_seconds").metrics.reduce(
        (sum, sample) => sum + Number(sample.buckets?.["+Inf"] ?? 0),
        0,
      ),
    );
    expect(steps.reduce((sum, count) => sum + count, 0)).toBe(3);
    const attempts = scrapes.map(
      (families) =>
        sampleOf(families, "raftoral_workflow_step_attempts_total", { outcome: "ok" }) ?? 0,
    );
    expect(attempts.reduce((sum, count) => sum + count, 0)).toBe(3);
    await expectSuspendedGauges(members, scheme);
  }, 90_000);
});

/** A node's own id as a `peer` label, which none of its series may carry. */
function selfOf(member: { readonly node: { readonly nodeId: number } } | undefined): string {
  return String(member?.node.nodeId);
}

/** Group 1 runs nothing, and holds no running workflow's record any more. */
function isGroupIdle(families: Parameters<typeof sampleOf>[0]): boolean {
  const idle = ["raftoral_workflows_running", "raftoral_workflows_running_bytes"];
  return idle.every((name) => sampleOf(families, name, { group: "1" }) === 0);
}

test("GET /health?verbose shows each group this node hosts, with its leader", async () => {
  const [first] = await startCluster("http");
  if (first === undefined) throw new Error("no node started");
  const response = await fetch(`http://${first.address}/health?verbose`);
  expect(response.status).toBe(200);
  const body = (await response.json()) as { status: string; groups: Record<string, unknown>[] };
  expect(body.status).toBe("ok");
  expect(body.groups.map((group) => group.cluster_id)).toEqual([0, 1]);
  for (const group of body.groups) {
    expect(group.leader_node_id).toBeGreaterThan(0);
    expect(group.leaderless_ms).toBe(0);
  }
}, 90_000);

test("docs/metrics.md lists exactly the metrics a node serves", async () => {
  const [first] = await startCluster("http");
  if (first === undefined) throw new Error("no node started");
  const text = await (await fetch(`http://${first.metricsAddress}/metrics`)).text();
  const served = [...text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]).sort();
  const doc = await Bun.file(join(ROOT, "docs", "metrics.md")).text();
  const documented = [...doc.matchAll(/^\| `([a-z_]+)` \|/gm)].map((match) => match[1]).sort();
  expect(documented).toEqual(served);
}, 90_000);

test("a gRPC node's --http-listen port serves the HTTP API but no peer traffic", async () => {
  const [first] = await startCluster("grpc");
  if (first === undefined) throw new Error("no node started");
  const base = `http://${first.metricsAddress}`;
  const health = await fetch(`${base}/health`);
  expect(health.status).toBe(200);
  expect(await health.json()).toMatchObject({ status: "ok" });
  const started = await fetch(`${base}/workflow/execute`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name: "ping_pong", version: 1, input: '"ping"' }),
  });
  expect(started.status).toBe(200);
  const { workflow_id, execution_cluster_id } = (await started.json()) as Record<string, string>;
  const waited = await fetch(
    `${base}/workflow/wait?workflow_id=${workflow_id}&execution_cluster_id=${execution_cluster_id}`,
  );
  expect(await waited.json()).toMatchObject({ success: true, result: '"pong"' });
  const peer = await fetch(`${base}/raft/message`, { method: "POST", body: "{}" });
  expect(peer.status).toBe(404);
  expect(await peer.text()).toContain("nodes talk to each other on --listen");
}, 90_000);
