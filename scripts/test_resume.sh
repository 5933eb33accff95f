#!/usr/bin/env bash
# Node restart test: a two-node cluster with --storage-path under a temporary directory.
# Verifies that
#   - node identity persists: a restarted node resumes its node id without --bootstrap,
#     --peers or --node-id;
#   - Raft state is recovered: a workflow result recorded before the restart is served by
#     the restarted node;
#   - the node rejoins: the cluster runs new workflows with it again.
# Node 2 is stopped gracefully (SIGTERM), node 1 is killed (SIGKILL). Uses the binary
# scripts/lib/raftoral-bin.sh finds (RAFTORAL_BIN overrides). Exit code 0 on success.
set -euo pipefail
# shellcheck source=lib/cluster.sh
source "$(dirname "$0")/lib/cluster.sh"

data1="$work_dir/node1-data"
data2="$work_dir/node2-data"

echo "=== Node restart test ==="
echo "Step 1: Starting a two-node cluster with persistent storage..."
start_node node1 --bootstrap --storage-path "$data1"
start_node node2 --peers "${node_address[node1]}" --storage-path "$data2"
wait_for_config "${node_address[node1]}" "1" "2"
[ -d "$data1/node_1" ] && [ -d "$data2/node_2" ] || fail "storage directories node_1/node_2 missing"

echo "Step 2: Running a workflow before the restarts..."
started=$("$RAFTORAL" workflow run ping_pong --input '"ping"' --address "${node_address[node1]}" --json)
workflow_id=$(grep -Eo '"workflow_id": *"[^"]*"' <<<"$started" | sed -E 's/.*: *"//; s/"$//')
cluster_id=$(grep -Eo '"execution_cluster_id": *"[^"]*"' <<<"$started" | sed -E 's/.*: *"//; s/"$//')
"$RAFTORAL" workflow wait "$workflow_id" --cluster "$cluster_id" --address "${node_address[node1]}"

echo "Step 3: Stopping node 2 (SIGTERM) and restarting it from its storage alone..."
stop_node node2 TERM || fail "node 2 did not stop cleanly"
restart_node node2 --storage-path "$data2"
grep -q "Resumed from storage" "$work_dir/node2.log" || fail "node 2 did not resume from storage"
[ "$(node_id node2)" = 2 ] || fail "node 2 came back as node $(node_id node2)"
echo "  node 2 resumed its identity"

echo "Step 4: The restarted node serves the result recorded before the restart..."
"$RAFTORAL" workflow wait "$workflow_id" --cluster "$cluster_id" --address "${node_address[node2]}" |
  grep -q 'Completed: "pong"' || fail "node 2 lost the recorded result"
echo "  workflow $workflow_id: \"pong\""

echo "Step 5: The cluster runs new workflows with it..."
expect_pong "${node_address[node2]}"

echo "Step 6: Killing node 1 (SIGKILL) and restarting it without --bootstrap..."
stop_node node1 KILL || true
restart_node node1 --storage-path "$data1"
[ "$(node_id node1)" = 1 ] || fail "node 1 came back as node $(node_id node1)"
wait_for_config "${node_address[node2]}" "1" "2"
expect_pong "${node_address[node1]}"

echo "PASS: identities persisted, Raft state recovered, and both nodes rejoined"
