# Sourced by the QUICKSTART scripts: finds the raftoral binary. RAFTORAL_BIN overrides it;
# otherwise dist/raftoral of this checkout, built with `make build` when it is missing.

raftoral_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

raftoral_bin() {
  if [ -n "${RAFTORAL_BIN:-}" ]; then
    [ -x "$RAFTORAL_BIN" ] || { echo "RAFTORAL_BIN=$RAFTORAL_BIN is not an executable" >&2; return 1; }
    echo "$RAFTORAL_BIN"
    return
  fi
  if [ ! -x "$raftoral_root/dist/raftoral" ]; then
    echo "dist/raftoral is missing; building it with make build..." >&2
    make -s -C "$raftoral_root" build >&2
  fi
  echo "$raftoral_root/dist/raftoral"
}
