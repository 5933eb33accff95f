// TLS settings shared by both transports (PEM text, read from files by the CLI), and the
// hints that turn a failed connection into what to do about it: the wrong scheme, an
// untrusted certificate, a missing client certificate; whether a key fits its certificate.
// No I/O.

import { nodeCrypto } from "./node-crypto.ts";

/** A server's TLS: its certificate chain and key, and whether clients must show a certificate. */
export interface ServerTls {
  readonly cert: string;
  readonly key: string;
  /** CA certificates a client certificate must chain to (mutual TLS). */
  readonly ca?: string;
  /** Mutual TLS: refuse every connection without a certificate signed by `ca`. */
  readonly isClientCertRequired: boolean;
}

/** How a client dials with TLS. */
export interface ClientTls {
  /** CA certificates to trust; absent: the system's trusted CAs. */
  readonly ca?: string;
  /** The client's own certificate and key, for servers that require one (mutual TLS). */
  readonly cert?: string;
  readonly key?: string;
}

/**
 * Whether `key` is the private key of the certificate `cert` (both PEM). Throws when either
 * does not parse. node:crypto is loaded only here, for settings that name both.
 */
export function isKeyOfCertificate(cert: string, key: string): boolean {
  const crypto = nodeCrypto();
  return new crypto.X509Certificate(cert).checkPrivateKey(crypto.createPrivateKey(key));
}

const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
const USAGE_NAMES: Readonly<Record<string, string>> = {
  [SERVER_AUTH]: "serverAuth",
  [CLIENT_AUTH]: "clientAuth",
};

/**
 * Why a certificate `cert` (PEM) cannot be used at `nowMs`, if it cannot: out of its dates, or
 * an extended key usage without what it serves for. A node's (`host`: where the others reach
 * it) serves and calls its peers, so it needs server and client authentication and a
 * subjectAltName naming `host`; a client's (no `host`) needs client authentication.
 * Clients and peers refuse such a certificate at every connection.
 */
export function certificateProblems(cert: string, nowMs: number, host?: string): string[] {
  const x509 = new (nodeCrypto().X509Certificate)(cert);
  const problems: string[] = [];
  if (nowMs > Date.parse(x509.validTo)) problems.push(`it expired on ${x509.validTo}`);
  if (nowMs < Date.parse(x509.validFrom)) problems.push(`it is valid only from ${x509.validFrom}`);
  const usages = x509.keyUsage;
  const needed = host === undefined ? [CLIENT_AUTH] : [SERVER_AUTH, CLIENT_AUTH];
  const missing = needed.filter((usage) => usages !== undefined && !usages.includes(usage));
  if (missing.length > 0) {
    const names = missing.map((usage) => USAGE_NAMES[usage]).join(" and ");
    const why = host === undefined ? "a client's" : "a node serves and calls its peers: it";
    problems.push(
      `its extended key usage lacks ${names} (${why} needs ${needed.map((usage) => USAGE_NAMES[usage]).join(" and ")}, or no extended key usage)`,
    );
  }
  if (host !== undefined) {
    const isIp = /^[\d.]+$|:/.test(host);
    if ((isIp ? x509.checkIP(host) : x509.checkHost(host)) === undefined) {
      problems.push(
        `its subjectAltName does not name ${host}, the host the others reach this node at`,
      );
    }
  }
  return problems;
}

/**
 * The node refused the connection in TLS (an alert, such as a client certificate it wants):
 * whatever the client sent after its side of the handshake, the node took none of it.
 */
export function isTlsRefusal(failure: string): boolean {
  return /CERTIFICATE_REQUIRED|certificate required|TLSV1\d*_ALERT|SSLV3_ALERT/i.test(failure);
}

/**
 * This side refused the node's certificate (not trusted, out of its dates, for another name):
 * the connection ended in its handshake, before any request left.
 */
export function isCertificateRejection(failure: string): boolean {
  return /self.signed|unable to (verify|get)|UNABLE_TO_|CERT_HAS_EXPIRED|certificate has expired|CERT_NOT_YET_VALID|ALTNAME|Hostname\/IP does not match|does not match certificate/i.test(
    failure,
  );
}

/**
 * What to do about a connection failure, or "" when nothing specific applies. `isTls` says
 * how we dialed; `hasAnswered` whether this connection ever got an answer (a connection that
 * worked and then closed says nothing about TLS).
 */
export function connectionHint(failure: string, isTls: boolean, hasAnswered: boolean): string {
  if (hasAnswered) return "";
  if (!isTls) {
    return /ECONNRESET|closed|hang up|reset|protocol error|malformed/i.test(failure)
      ? // Clients and joining nodes dial alike: each is told its own way to TLS.
        "; the node closed the connection before it answered: it stopped, or it uses TLS (then call it with https:// or grpcs:// and --tls-ca; a node joining it needs --tls-cert, --tls-key and --tls-ca)"
      : "";
  }
  if (/CERTIFICATE_REQUIRED|certificate required/i.test(failure)) {
    return "; the node requires a client certificate (mutual TLS): pass --tls-cert and --tls-key";
  }
  if (/CERT_HAS_EXPIRED|certificate has expired|CERT_NOT_YET_VALID|not yet valid/i.test(failure)) {
    return "; the node's certificate is out of its dates: renew it (the node warns of this when it starts), or check this host's clock";
  }
  if (/ALTNAME|Hostname\/IP does not match|does not match certificate/i.test(failure)) {
    return "; the node's certificate does not list this address in its subjectAltName: connect by a name or IP it lists";
  }
  if (/unsupported certificate purpose|INVALID_PURPOSE/i.test(failure)) {
    return "; the node's certificate is not one for a server (its extended key usage lacks serverAuth): give the node a certificate for serverAuth and clientAuth (the node warns of this when it starts)";
  }
  if (/self.signed|unable to (verify|get)|UNABLE_TO|CERT_|certificate/i.test(failure)) {
    return "; the node's certificate is not trusted: pass the CA that signed it with --tls-ca";
  }
  if (/WRONG_VERSION_NUMBER|packet length too long/i.test(failure)) {
    return "; the node does not speak TLS on this port: use http:// or grpc://";
  }
  // Bun's fetch says only this, whether the node speaks no TLS, wanted a certificate, or
  // offered only gRPC's protocol (h2) to an HTTP/1.1 client.
  if (/handshake failed|EPROTO/i.test(failure)) {
    return "; the TLS handshake failed: the node may speak gRPC on this port (use grpcs://), no TLS (use http:// or grpc://), or require a client certificate (pass --tls-cert and --tls-key)";
  }
  if (/ECONNRESET|closed|hang up|reset/i.test(failure)) {
    return "; the node closed the connection in the TLS handshake: if it requires client certificates (mutual TLS), pass --tls-cert and --tls-key signed by its CA";
  }
  return "";
}
