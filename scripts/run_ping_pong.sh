#!/usr/bin/env bash
# Runs the built-in ping_pong workflow over gRPC against a running node: starts it
# asynchronously (RunWorkflowAsync), then waits for its result (WaitForWorkflowCompletion).
# Uses grpcurl when it is installed, otherwise our own `raftoral workflow` subcommands; the
# printed steps are the same either way. Usage: scripts/run_ping_pong.sh [HOST:PORT]
# A secured cluster (docs/security.md): give grpcs://HOST:PORT, the TLS options in
# RAFTORAL_CLIENT_OPTIONS (e.g. "--tls-ca ca.pem") and the token in RAFTORAL_TOKEN; the
# script then always uses our CLI, which reads RAFTORAL_TOKEN itself.
# Exit code: 0 when the workflow answered "pong", non-zero otherwise.
set -euo pipefail
# shellcheck source=lib/raftoral-bin.sh
source "$(dirname "$0")/lib/raftoral-bin.sh"

address=${1:-127.0.0.1:7001}
grpcurl=${GRPCURL:-grpcurl}
read -r -a client_options <<<"${RAFTORAL_CLIENT_OPTIONS:-}"
if [[ "$address" == grpcs://* || ${#client_options[@]} -gt 0 || -n "${RAFTORAL_TOKEN:-}" ]]; then
  grpcurl=/nonexistent
fi

# field NAME JSON: the first string value of NAME (snake_case or grpcurl's camelCase).
field() {
  local snake=$1 camel
  camel=$(sed -E 's/_([a-z])/\U\1/g' <<<"$snake")
  grep -Eo "\"($snake|$camel)\": *\"[^\"]*\"" <<<"$2" | head -n 1 | sed -E 's/^[^:]*: *"//; s/"$//'
}

echo "=== Running ping_pong workflow via gRPC ==="
echo
echo "Node address: $address"
echo "Workflow: ping_pong (v1)"
echo 'Input: "ping"'
echo

echo "Step 1: Starting workflow asynchronously..."
if command -v "$grpcurl" >/dev/null 2>&1; then
  started=$("$grpcurl" -plaintext -d '{"workflow_type": "ping_pong", "version": 1, "input_json": "\"ping\""}' \
    "$address" raftoral.WorkflowManagement/RunWorkflowAsync)
else
  raftoral=$(raftoral_bin)
  started=$("$raftoral" workflow run ping_pong --input '"ping"' --version 1 \
    --address "$address" --transport grpc --json "${client_options[@]}")
fi
echo "$started"
workflow_id=$(field workflow_id "$started")
cluster_id=$(field execution_cluster_id "$started")
[ -n "$workflow_id" ] || { echo "error: no workflow_id in the answer" >&2; exit 1; }
echo

echo "Step 2: Waiting for workflow completion..."
echo "Workflow ID: $workflow_id"
echo "Execution Cluster ID: $cluster_id"
echo
status=0
if command -v "$grpcurl" >/dev/null 2>&1; then
  result=$("$grpcurl" -plaintext -d "{\"workflow_id\": \"$workflow_id\", \"execution_cluster_id\": \"$cluster_id\", \"timeout_seconds\": 30}" \
    "$address" raftoral.WorkflowManagement/WaitForWorkflowCompletion) || status=$?
else
  result=$("$raftoral" workflow wait "$workflow_id" --cluster "$cluster_id" --timeout 30 \
    --address "$address" --transport grpc --json "${client_options[@]}") || status=$?
fi
echo "$result"
echo
if [ "$status" -ne 0 ] || ! grep -Eq '"success": *true' <<<"$result"; then
  echo "The workflow did not complete successfully." >&2
  exit 1
fi
echo "Done!"
