#!/usr/bin/env bash
# Makes what a secured cluster needs (docs/security.md), with openssl: a CA, a certificate per
# node (subjectAltName: the node's name, localhost and 127.0.0.1; usable as server and client
# certificate for mutual TLS), a client certificate, the cluster secret, a client token and
# an admin token. Keys and secrets are 0600; files that exist are kept, so running it again
# adds nodes without changing what the cluster already uses.
# Usage: deploy/make-secrets.sh [DIR] [NODE_NAME...]
#   (default: deploy/secrets raftoral-1 raftoral-2 raftoral-3, for docker-compose.secure.yml)
# OWNER=UID:GID hands keys and secrets to that user (run as root), e.g. OWNER=65532:65532 for
# the container image's user.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-$here/secrets}
shift || true
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(raftoral-1 raftoral-2 raftoral-3)
days=${DAYS:-825}

command -v openssl >/dev/null || { echo "make-secrets.sh: needs openssl" >&2; exit 1; }
umask 077
mkdir -p "$dir"
cd "$dir"

ec_key=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)

if [ ! -e ca.pem ]; then
  openssl req -x509 "${ec_key[@]}" -keyout ca.key -out ca.pem -days 3650 \
    -subj "/CN=Raftoral CA" 2>/dev/null
  chmod 644 ca.pem
fi

# certificate NAME EXTENSIONS: NAME.pem and NAME.key signed by the CA, unless they exist.
certificate() {
  local name=$1 extensions=$2
  [ -e "$name.pem" ] && return 0
  openssl req "${ec_key[@]}" -keyout "$name.key" -out "$name.csr" -subj "/CN=$name" 2>/dev/null
  printf '%s\n' "$extensions" >"$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days "$days" \
    -extfile "$name.ext" -out "$name.pem" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
  chmod 644 "$name.pem"
}

for name in "${names[@]}"; do
  certificate "$name" "subjectAltName=DNS:$name,DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth,clientAuth"
done
certificate client "extendedKeyUsage=clientAuth"

for secret in cluster-secret client-token admin-token; do
  [ -e "$secret" ] || openssl rand -hex 32 >"$secret"
done

if [ -n "${OWNER:-}" ]; then
  chown "$OWNER" . ./*.key cluster-secret client-token admin-token
fi

cat <<DONE
Made in $dir: ca.pem, ${names[*]/%/.pem}, client.pem (certificates, 0644); their .key files,
cluster-secret, client-token, admin-token (0600). Keep ca.key offline once the nodes have
their certificates. Give every node the same ca.pem, cluster-secret and tokens.
DONE
