#!/usr/bin/env bash
# Runs `bun test` and ends with the line CI reads, "N passed, N failed", taken from bun's own
# counts. Keeps bun's exit code. Extra arguments go to bun test.
set -uo pipefail
bun="${BUN:-bun}"
output=$(mktemp)
trap 'rm -f "$output"' EXIT

"$bun" test --timeout 60000 "$@" 2>&1 | tee "$output"
status=${PIPESTATUS[0]}

count() { grep -Eo "^ *[0-9]+ $1\$" "$output" | tail -n 1 | tr -dc 0-9; }
passed=$(count pass)
failed=$(count fail)
if [ -z "$passed" ] && [ -z "$failed" ]; then
  echo "bun test printed no summary (exit $status)" >&2
  [ "$status" -eq 0 ] && status=1
fi
echo "${passed:-0} passed, ${failed:-0} failed"
exit "$status"
