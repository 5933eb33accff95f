# Sourced by the QUICKSTART scripts: finds the raftoral binary. RAFTORAL_BIN overrides it;
# otherwise dist/raftoral of this checkout, a raftoral beside scripts/ or in the current
# directory (the binary and the scripts copied together), then raftoral on the PATH. In a
# checkout without any of them, `make build` builds dist/raftoral.

raftoral_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

raftoral_bin() {
  if [ -n "${RAFTORAL_BIN:-}" ]; then
    [ -x "$RAFTORAL_BIN" ] || { echo "RAFTORAL_BIN=$RAFTORAL_BIN is not an executable" >&2; return 1; }
    echo "$RAFTORAL_BIN"
    return
  fi
  local candidate
  for candidate in "$raftoral_root/dist/raftoral" "$raftoral_root/raftoral" "$PWD/raftoral"; do
    if [ -f "$candidate" ] && [ -x "$candidate" ]; then
      echo "$candidate"
      return
    fi
  done
  if command -v raftoral >/dev/null 2>&1; then
    command -v raftoral
    return
  fi
  if [ ! -f "$raftoral_root/Makefile" ]; then
    echo "no raftoral binary found: put it beside scripts/ or on the PATH, or set RAFTORAL_BIN" >&2
    return 1
  fi
  echo "dist/raftoral is missing; building it with make build..." >&2
  make -s -C "$raftoral_root" build >&2
  echo "$raftoral_root/dist/raftoral"
}
