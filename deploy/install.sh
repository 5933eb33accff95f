#!/usr/bin/env bash
# Installs a Raftoral node under systemd: the binary, the unit files and a settings file.
# Usage (as root): deploy/install.sh [--secure] [path/to/raftoral]   (default: dist/raftoral)
# --secure also installs the drop-in deploy/raftoral-secure.conf (TLS, cluster secret,
# tokens; docs/security.md) and creates /etc/raftoral/secrets/ (0700) for its files.
# DESTDIR=/some/root installs under that root instead (packaging, tests); SYSTEMCTL=true
# skips `systemctl daemon-reload`. An existing /etc/raftoral/raftoral.env is kept.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
secure=false
if [ "${1:-}" = "--secure" ]; then
  secure=true
  shift
fi
binary=${1:-$here/../dist/raftoral}
root=${DESTDIR:-}
systemctl=${SYSTEMCTL:-systemctl}

[ -x "$binary" ] || { echo "install.sh: no executable at $binary; run make build first" >&2; exit 1; }

install -D -m 0755 "$binary" "$root/usr/local/bin/raftoral"
install -D -m 0644 "$here/raftoral.service" "$root/etc/systemd/system/raftoral.service"
install -D -m 0644 "$here/raftoral@.service" "$root/etc/systemd/system/raftoral@.service"
install -D -m 0644 "$here/../README.md" "$root/usr/local/share/doc/raftoral/README.md"
if [ ! -e "$root/etc/raftoral/raftoral.env" ]; then
  install -D -m 0644 "$here/raftoral.env.example" "$root/etc/raftoral/raftoral.env"
fi
if [ "$secure" = true ]; then
  install -D -m 0644 "$here/raftoral-secure.conf" \
    "$root/etc/systemd/system/raftoral.service.d/secure.conf"
  install -d -m 0700 "$root/etc/raftoral/secrets"
fi
"$systemctl" daemon-reload

if [ "$secure" = true ]; then
  cat <<SECURE
Secured (raftoral.service.d/secure.conf). Before starting, put into $root/etc/raftoral/secrets/
(mode 0600; deploy/make-secrets.sh DIR NAME makes them, the same CA, secret and tokens for
every host): ca.pem, node.pem and node.key (this host's certificate, naming its address),
cluster-secret, client-token, admin-token.
SECURE
fi

cat <<DONE
Installed. Next steps:
  1. Edit $root/etc/raftoral/raftoral.env (--bootstrap on the first node, --peers on the others).
  2. systemctl enable --now raftoral
  3. journalctl -u raftoral -f        # logs
  4. raftoral cluster status --address <RAFTORAL_LISTEN>
DONE
