#!/usr/bin/env bash
# Smoke test of a compiled binary: copied alone into an empty directory, it must print its
# help (naming every option and subcommand, each subcommand with its own help) and its version. Usage: scripts/smoke.sh dist/raftoral
set -euo pipefail
binary=$(realpath "${1:?usage: scripts/smoke.sh path/to/raftoral}")
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp "$binary" "$scratch/raftoral"
cd "$scratch"

help=$(./raftoral --help)
for option in --listen --advertise --node-id --peers --bootstrap --storage-path --transport --help; do
  grep -q -- "$option" <<<"$help" || { echo "smoke: --help does not mention $option" >&2; exit 1; }
done
for command in "workflow run" "workflow wait" "cluster status" "node leave" "node health"; do
  grep -q -- "$command" <<<"$help" || { echo "smoke: --help does not list $command" >&2; exit 1; }
  # shellcheck disable=SC2086 # the command is two words on purpose
  ./raftoral $command --help | grep -q "Usage: raftoral $command" ||
    { echo "smoke: raftoral $command --help is missing its usage line" >&2; exit 1; }
done
./raftoral --version | grep -Eq '^raftoral [0-9]+\.[0-9]+\.[0-9]+$'
if ./raftoral --transport udp --listen 127.0.0.1:7001 2>/dev/null; then
  echo "smoke: an invalid transport was accepted" >&2
  exit 1
fi
echo "smoke: ok ($(./raftoral --version))"
