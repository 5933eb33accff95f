// A node's security settings (docs/security.md) and what the transports make of them: the TLS
// a server serves and a peer client dials with, who may call what, and the proof of the
// cluster secret this node sends the others. The secrets are values here; reading them from
// files (with the permission check) is the CLI's job.

import { InvalidArgumentError, parseAddress } from "../lib/index.ts";
import {
  AccessPolicy,
  type CallCredentials,
  type ClientTls,
  certificateProblems,
  corsOriginProblem,
  type PeerClocks,
  peerCredentials,
  type ServerTls,
} from "../transport/index.ts";

/** The node's own certificate, and the CA its peers' (and clients') certificates chain to. */
export interface NodeTls {
  /** PEM certificate chain this node shows to clients and, as a client, to its peers. */
  readonly cert: string;
  /** PEM private key of `cert`. */
  readonly key: string;
  /** PEM CA certificates: peers must chain to them; absent: the system's trusted CAs. */
  readonly ca?: string;
  /** Mutual TLS: every caller, client or peer, must show a certificate signed by `ca`. */
  readonly isClientCertRequired?: boolean;
}

/** How a node protects its traffic and its API; every part is optional. */
export interface NodeSecurity {
  /** Serve TLS on the one port, and dial the other nodes with TLS. */
  readonly tls?: NodeTls;
  /** Shared by the nodes: every inter-node call carries proof of it, and needs it. */
  readonly clusterSecret?: string;
  /** Workflow calls (and discovery) need it as a bearer token. */
  readonly clientToken?: string;
  /** Operator calls (status, leave, recover) need it; without it, they take the client token. */
  readonly adminToken?: string;
  /**
   * Origins whose pages may call the HTTP API from a browser (`https://app.example.com`, or
   * `*` for any); none by default (transport/http/cors.ts).
   */
  readonly corsOrigins?: readonly string[];
}

/** Throws InvalidArgumentError for settings that cannot work together. */
export function checkNodeSecurity(security: NodeSecurity): void {
  if (security.tls?.isClientCertRequired === true && security.tls.ca === undefined) {
    throw new InvalidArgumentError(
      "mutual TLS needs the CA that signs the client certificates: give --tls-ca with --tls-client-auth",
    );
  }
  for (const origin of security.corsOrigins ?? []) {
    const problem = corsOriginProblem(origin);
    if (problem !== undefined) throw new InvalidArgumentError(`--cors-origin: ${problem}`);
  }
  const hasTokens = security.clientToken !== undefined || security.adminToken !== undefined;
  if (hasTokens && security.clusterSecret === undefined) {
    throw new InvalidArgumentError(
      "client and admin tokens need a cluster secret too (--cluster-secret-file): nodes " +
        "forward workflow calls to each other and prove themselves with the secret, not a token",
    );
  }
}

/** What the server serves, if TLS is on. */
export function serverTlsOf(security: NodeSecurity): ServerTls | undefined {
  const tls = security.tls;
  if (tls === undefined) return undefined;
  return {
    cert: tls.cert,
    key: tls.key,
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    isClientCertRequired: tls.isClientCertRequired === true,
  };
}

/**
 * How this node dials the others: it trusts `ca`, and shows its own certificate, which a peer
 * asks for only when it requires client certificates.
 */
export function peerTlsOf(security: NodeSecurity): ClientTls | undefined {
  const tls = security.tls;
  if (tls === undefined) return undefined;
  return { cert: tls.cert, key: tls.key, ...(tls.ca === undefined ? {} : { ca: tls.ca }) };
}

/** Who may call what on this node; undefined when nothing is demanded. */
export function accessPolicyOf(security: NodeSecurity): AccessPolicy | undefined {
  const { clusterSecret, clientToken, adminToken } = security;
  if (clusterSecret === undefined && clientToken === undefined && adminToken === undefined) {
    return undefined;
  }
  return new AccessPolicy({
    ...(clusterSecret === undefined ? {} : { clusterSecret }),
    ...(clientToken === undefined ? {} : { clientToken }),
    ...(adminToken === undefined ? {} : { adminToken }),
  });
}

/**
 * The proof of the cluster secret this node adds to its calls to the others, each for the
 * clock `clocks` learned that peer keeps.
 */
export function peerCallCredentials(
  security: NodeSecurity,
  clocks: PeerClocks,
): CallCredentials | undefined {
  const secret = security.clusterSecret;
  return secret === undefined ? undefined : peerCredentials(secret, clocks);
}

/**
 * A warning for a node certificate that clients and peers will refuse at `wallMs`, the node
 * being reached at `address` (certificateProblems): they refuse it with an error that points
 * elsewhere (a joining node's peers hang up on it), unless the node says so where it starts.
 */
export function certificateWarning(
  security: NodeSecurity | undefined,
  wallMs: number,
  address: string,
): string | undefined {
  const cert = security?.tls?.cert;
  const parsed = parseAddress(address);
  if (cert === undefined || !parsed.ok) return undefined;
  const problems = certificateProblems(cert, wallMs, parsed.address.host);
  if (problems.length === 0) return undefined;
  return `This node's TLS certificate cannot be used: ${problems.join("; ")}. Clients and peers refuse it; give the node one without these problems (renew it, or check this host's clock, for its dates) and restart it`;
}
