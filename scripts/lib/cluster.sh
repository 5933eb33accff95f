# Sourced by test_two_node_cluster.sh and test_resume.sh: starts raftoral nodes on free
# loopback ports under a temporary directory, waits for them, and cleans everything up (by
# PID) when the script exits, whether it passed or not.

# shellcheck source=raftoral-bin.sh
source "$(dirname "${BASH_SOURCE[0]}")/raftoral-bin.sh"

RAFTORAL=$(raftoral_bin)
work_dir=$(mktemp -d "${TMPDIR:-/tmp}/raftoral-script.XXXXXX")
declare -A node_pid=() node_address=() node_args=()
READY_SECONDS=${READY_SECONDS:-30}

cleanup() {
  local status=$?
  for name in "${!node_pid[@]}"; do
    kill -TERM "${node_pid[$name]}" 2>/dev/null || true
  done
  for name in "${!node_pid[@]}"; do
    wait "${node_pid[$name]}" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ]; then
    for log in "$work_dir"/*.log; do
      [ -f "$log" ] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }
    done
  fi
  rm -rf "$work_dir"
  exit "$status"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# A loopback port nothing listens on right now.
free_port() {
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  fail "no free port found"
}

# wait_for_log NAME PATTERN: waits until the node's log matches, or fails after READY_SECONDS.
wait_for_log() {
  local name=$1 pattern=$2 deadline=$((SECONDS + READY_SECONDS))
  while ! grep -Eq "$pattern" "$work_dir/$name.log" 2>/dev/null; do
    if ! kill -0 "${node_pid[$name]}" 2>/dev/null; then return 1; fi
    [ "$SECONDS" -lt "$deadline" ] || fail "$name did not log '$pattern' within ${READY_SECONDS}s"
    sleep 0.1
  done
}

# start_node NAME [ARGS...]: starts a node on a free port and waits until it is ready. The
# arguments are kept, so restart_node can start it again with the same command line.
start_node() {
  local name=$1
  shift
  for _ in 1 2 3; do
    node_address[$name]="127.0.0.1:$(free_port)"
    node_args[$name]="$*"
    if launch_node "$name" "$@"; then return; fi
    # Another process may have taken the port between the check and the listen.
    grep -q "Address already in use" "$work_dir/$name.log" || fail "$name exited before it was ready"
  done
  fail "$name could not find a free port"
}

launch_node() {
  local name=$1
  shift
  RAFTORAL_LOG=info "$RAFTORAL" --listen "${node_address[$name]}" "$@" >>"$work_dir/$name.log" 2>&1 &
  node_pid[$name]=$!
  wait_for_log "$name" "Node [0-9]+ is ready"
}

# restart_node NAME [ARGS...]: starts a stopped node again on its address, with new arguments.
restart_node() {
  local name=$1
  shift
  : >"$work_dir/$name.log"
  node_args[$name]="$*"
  launch_node "$name" "$@" || fail "$name did not restart"
}

# stop_node NAME SIGNAL: stops a node and returns its exit status.
stop_node() {
  local name=$1 signal=$2 status=0
  kill "-$signal" "${node_pid[$name]}"
  # 2>/dev/null: bash's own "Killed" job notice is not a failure of the test.
  wait "${node_pid[$name]}" 2>/dev/null || status=$?
  unset "node_pid[$name]"
  return "$status"
}

# node_id NAME: the id the node logged when it became ready.
node_id() {
  grep -Eo "Node [0-9]+ is ready" "$work_dir/$1.log" | tail -n 1 | grep -Eo "[0-9]+"
}

# wait_for_config ADDRESS VOTERS LEARNERS: waits until execution cluster 1 has exactly these
# voters and learners (e.g. "1" "2"), as `raftoral cluster status --json` reports them.
wait_for_config() {
  local address=$1 voters=$2 learners=$3 deadline=$((SECONDS + READY_SECONDS)) status
  while :; do
    status=$("$RAFTORAL" cluster status --address "$address" --json 2>/dev/null | tr -d ' \n' || true)
    if grep -q "\"voters\":\[$voters\],\"learners\":\[$learners\]" <<<"$status" &&
      grep -q "\"execution_cluster_id\":\"1\"" <<<"$status"; then
      return
    fi
    [ "$SECONDS" -lt "$deadline" ] ||
      fail "execution cluster 1 never had voters [$voters] and learners [$learners]: $status"
    sleep 0.2
  done
}

# expect_pong ADDRESS: runs ping_pong through that node and checks the result.
expect_pong() {
  local output
  output=$("$RAFTORAL" workflow run ping_pong --input '"ping"' --address "$1" --wait) ||
    fail "ping_pong through $1 failed: $output"
  grep -q 'Completed: "pong"' <<<"$output" || fail "ping_pong through $1 gave: $output"
  echo "$output"
}
