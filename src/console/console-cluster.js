// The console page's cluster panels: nodes, execution clusters and this node's live charts,
// from /cluster/status, /cluster/health and /metrics. index.ts puts this file inline into the
// page before console-workflows.js, in one module, and uses $, call and fill from there.
const HISTORY = 60;
let previous;
const series = { commits: [], finished: [], latency: [] };

function stateOf(probe) {
  if (!probe) return ["unknown", "other"];
  if (probe.status === "ok") return ["up", "up"];
  if (probe.status === "unreachable") return ["down", "down"];
  return [probe.status + (probe.reason ? `: ${probe.reason}` : ""), "other"];
}

function renderCluster(status, health) {
  const probes = new Map(health.nodes.map((probe) => [probe.node_id, probe]));
  $("cluster").textContent =
    `cluster ${status.cluster_id} · ${status.transport} · answered by node ${status.node_id}`;
  $("fault-tolerance").textContent = String(status.fault_tolerance);
  $("nodes-up").textContent =
    `${health.nodes.filter((p) => p.status === "ok").length} / ${status.nodes.length}`;
  $("cluster-count").textContent = String(status.execution_clusters.length);
  $("running").textContent = String(
    status.execution_clusters.reduce((sum, c) => sum + c.running_workflows, 0),
  );
  fill(
    $("nodes").tBodies[0],
    status.nodes.map((node) => {
      const probe = probes.get(node.node_id);
      const [state, className] = stateOf(probe);
      const role = node.management_role + (node.is_management_leader ? " (leader)" : "");
      const latency = probe && probe.latency_ms !== null ? `${probe.latency_ms} ms` : "–";
      return {
        key: node.node_id,
        cells: [
          cell(String(node.node_id)),
          cell(node.address),
          cell(role),
          cell(state, `state ${className}`),
          cell(latency, "muted"),
        ],
      };
    }),
  );
  fill(
    $("clusters").tBodies[0],
    status.execution_clusters.map((group) => {
      const [state, className] = groupState(group, status.management_leader_node_id);
      return {
        key: group.execution_cluster_id,
        cells: [
          cell(group.execution_cluster_id),
          cell(group.leader_node_id ? String(group.leader_node_id) : "none"),
          cell(group.voters.join(", ")),
          cell(group.learners.join(", ") || "–"),
          cell(String(group.running_workflows)),
          cell(`${group.fault_tolerance} failure(s)`),
          cell(state, className),
        ],
      };
    }),
  );
}

/**
 * A group's state cell. A group this node does not host has no leaderless time here: without
 * a leader it is one its members reported leaderless (or, while this node hears no management
 * leader, one it cannot tell about), never "serving" as before.
 */
function groupState(group, managementLeaderId) {
  if ((group.leaderless_ms || 0) > 0)
    return [`no leader for ${Math.round(group.leaderless_ms / 1000)} s`, "down"];
  if (!group.leader_node_id) {
    return managementLeaderId
      ? ["no leader, as its members report", "down"]
      : ["unknown: this node hears no management leader", "other"];
  }
  return group.draining ? ["draining", "other"] : ["serving", "up"];
}

function parseMetrics(text) {
  const samples = [];
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels = {};
    for (const pair of (match[2] || "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[pair[1]] = pair[2];
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

const sum = (samples, name, where = () => true) =>
  samples
    .filter((s) => s.name === name && where(s.labels))
    .reduce((total, s) => total + s.value, 0);

function p50(before, after) {
  const buckets = after
    .filter((s) => s.name === "raftoral_raft_proposal_seconds_bucket")
    .map((s) => ({ le: s.labels.le === "+Inf" ? Infinity : Number(s.labels.le), count: s.value }));
  const old = new Map(
    before
      .filter((s) => s.name === "raftoral_raft_proposal_seconds_bucket")
      .map((s) => [s.labels.le, s.value]),
  );
  const deltas = buckets
    .map((b) => ({
      le: b.le,
      count: b.count - (old.get(b.le === Infinity ? "+Inf" : String(b.le)) || 0),
    }))
    .sort((a, b) => a.le - b.le);
  const total = deltas.at(-1)?.count || 0;
  if (total <= 0) return undefined;
  return deltas.find((b) => b.count >= total / 2)?.le;
}

function plot(id, values) {
  const max = Math.max(1e-9, ...values);
  const points = values
    .map((v, k) => `${(k * 120) / (HISTORY - 1)},${58 - (v / max) * 56}`)
    .join(" ");
  $(id).querySelector("polyline").setAttribute("points", points);
}

function renderMetrics(text, nowMs) {
  const samples = parseMetrics(text);
  const current = {
    atMs: nowMs,
    samples,
    commits: sum(samples, "raftoral_raft_commit_index"),
    finished: sum(samples, "raftoral_workflows_finished_total"),
  };
  if (previous) {
    const seconds = (current.atMs - previous.atMs) / 1000;
    const push = (name, value) => {
      series[name].push(value);
      if (series[name].length > HISTORY) series[name].shift();
    };
    push("commits", Math.max(0, (current.commits - previous.commits) / seconds));
    push("finished", Math.max(0, (current.finished - previous.finished) / seconds));
    const latency = p50(previous.samples, samples);
    push("latency", latency === undefined || latency === Infinity ? 0 : latency * 1000);
    $("commits-now").textContent = `${series.commits.at(-1).toFixed(1)} now`;
    $("finished-now").textContent = `${series.finished.at(-1).toFixed(1)} now`;
    // Only proposals made on this node are timed: a follower's are few or none.
    $("latency-now").textContent =
      latency === undefined ? "no proposals here" : `≤ ${(latency * 1000).toFixed(2)} ms`;
    plot("commits-chart", series.commits);
    plot("finished-chart", series.finished);
    plot("latency-chart", series.latency);
  }
  previous = current;
}

/** Says (or, with "", stops saying) why the cluster panels show nothing new. */
function showClusterNote(text) {
  for (const note of document.querySelectorAll(".cluster-note")) {
    note.textContent = text;
    note.hidden = text === "";
  }
}

/**
 * The cluster panels. They need the admin token where the cluster has one (docs/security.md,
 * "Who may call what"), which a client's user may not have: the list does not wait for them.
 */
// biome-ignore lint/correctness/noUnusedVariables: console-workflows.js calls it (index.ts joins them)
async function refreshCluster() {
  try {
    const [status, health, metrics] = await Promise.all([
      callJson("/cluster/status"),
      callJson("/cluster/health"),
      call("/metrics"),
    ]);
    renderCluster(status, health);
    renderMetrics(metrics, Date.now());
    $("scraped-node").textContent = `(node ${status.node_id})`;
    showClusterNote("");
    $("error").textContent = "";
    return true;
  } catch (error) {
    if (error.status !== 401 && error.status !== 403) {
      $("error").textContent = `${error.message}; what is shown is from the last update`;
      return false;
    }
    $("error").textContent = "";
    $("cluster").textContent = "cluster status needs the admin token";
    showClusterNote(
      "Needs the admin token (the client token where the cluster has no admin " +
        `token): paste it under Access below. The node answered ${error.message}`,
    );
    return false;
  }
}
