#!/usr/bin/env bash
# Two-node cluster test: starts a bootstrap node and a joining node (free loopback ports,
# in-memory storage), checks that the cluster formed (both nodes in the management group and
# in execution cluster 1: node 1 votes, node 2 follows as a learner, since two voters would
# lose their majority with either node), runs ping_pong through each node, then takes the cluster down
# gracefully: the joining node leaves (its process exits 0), the bootstrap node gets SIGTERM.
# Uses the binary scripts/lib/raftoral-bin.sh finds (RAFTORAL_BIN overrides). Exit code 0 on
# success.
set -euo pipefail
# shellcheck source=lib/cluster.sh
source "$(dirname "$0")/lib/cluster.sh"

echo "=== Two-node cluster test ==="
echo "Step 1: Starting the bootstrap node..."
start_node node1 --bootstrap
echo "  node $(node_id node1) ready on ${node_address[node1]}"

echo "Step 2: Starting a node that joins through it..."
start_node node2 --peers "${node_address[node1]}"
echo "  node $(node_id node2) ready on ${node_address[node2]}"
[ "$(node_id node1)" = 1 ] && [ "$(node_id node2)" = 2 ] || fail "unexpected node ids"

echo "Step 3: Verifying cluster formation..."
wait_for_config "${node_address[node1]}" "1" "2"
"$RAFTORAL" cluster status --address "${node_address[node2]}"

echo "Step 4: Running ping_pong through each node..."
expect_pong "${node_address[node2]}"
expect_pong "${node_address[node1]}"

echo "Step 5: Cleaning up gracefully..."
"$RAFTORAL" node leave --address "${node_address[node2]}"
stop_status=0
wait "${node_pid[node2]}" || stop_status=$?
unset "node_pid[node2]"
[ "$stop_status" -eq 0 ] || fail "node 2 exited with $stop_status after leaving"
wait_for_config "${node_address[node1]}" "1" ""
expect_pong "${node_address[node1]}" >/dev/null
stop_node node1 TERM || fail "node 1 did not stop cleanly on SIGTERM"

echo "PASS: two-node cluster formed, ran workflows on both nodes, and shut down cleanly"
