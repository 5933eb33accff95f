#!/usr/bin/env bash
# Runs the built-in ping_pong workflow over the HTTP API of a running node (started with
# --transport http): POST /workflow/execute, then GET /workflow/wait. Needs curl; jq, when
# installed, pretty-prints the answers. Usage: scripts/run_ping_pong_http.sh [HOST:PORT]
# A secured cluster (docs/security.md): give https://HOST:PORT, curl's TLS options in
# CURL_OPTIONS (e.g. "--cacert ca.pem") and the token in RAFTORAL_TOKEN, which reaches curl
# through a file descriptor, not its command line.
# Exit code: 0 when the workflow answered "pong", non-zero otherwise.
set -euo pipefail

address=${1:-127.0.0.1:7001}
jq=${JQ:-jq}
base=$address
[[ "$base" == http://* || "$base" == https://* ]] || base="http://$base"
read -r -a curl_options <<<"${CURL_OPTIONS:-}"

# call URL [CURL ARGS...]: curl with the TLS options and, when there is one, the token.
call() {
  local url=$1
  shift
  if [ -n "${RAFTORAL_TOKEN:-}" ]; then
    curl -sS --fail-with-body "${curl_options[@]}" \
      -H @<(printf 'Authorization: Bearer %s\n' "$RAFTORAL_TOKEN") "$@" "$url"
  else
    curl -sS --fail-with-body "${curl_options[@]}" "$@" "$url"
  fi
}

# show: pretty-prints JSON from stdin with jq when it is there, prints it as is otherwise.
show() {
  if command -v "$jq" >/dev/null 2>&1; then "$jq" .; else cat; fi
}

# field NAME JSON: the first string value of NAME.
field() {
  grep -Eo "\"$1\": *\"[^\"]*\"" <<<"$2" | head -n 1 | sed -E 's/^[^:]*: *"//; s/"$//'
}

echo "=== Running ping_pong workflow via HTTP REST API ==="
echo
echo "Node address: $address"
echo "Workflow: ping_pong (v1)"
echo 'Input: "ping"'
echo

echo "Step 1: Starting workflow asynchronously..."
started=$(call "$base/workflow/execute" -X POST -H "Content-Type: application/json" \
  -d '{"name": "ping_pong", "version": 1, "input": "\"ping\""}') || {
  echo "error: the node refused or did not answer: ${started:-no answer}" >&2
  exit 1
}
show <<<"$started"
workflow_id=$(field workflow_id "$started")
cluster_id=$(field execution_cluster_id "$started")
echo

echo "Step 2: Waiting for workflow completion..."
echo "Workflow ID: $workflow_id"
echo "Execution Cluster ID: $cluster_id"
echo
result=$(call \
  "$base/workflow/wait?workflow_id=$workflow_id&execution_cluster_id=$cluster_id&timeout_seconds=30") || {
  echo "error: waiting failed: ${result:-no answer}" >&2
  exit 1
}
show <<<"$result"
echo
if ! grep -Eq '"success": *true' <<<"$result"; then
  echo "The workflow did not complete successfully." >&2
  exit 1
fi
echo "Done!"
