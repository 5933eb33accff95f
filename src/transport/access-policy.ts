// Who may make which call, the same for HTTP and gRPC. Each route or method has an access
// level; a caller proves itself with a bearer token (clients and operators) or with proof of
// the cluster secret (nodes, see peer-proof.ts). Only configured secrets are demanded: a node
// started without any answers everyone, as before. Every comparison is constant-time, and no
// message ever contains a token or the secret.

import { RaftoralError } from "../lib/index.ts";
import { nodeCrypto } from "./node-crypto.ts";
import {
  createPeerProof,
  PEER_PROOF_HEADER,
  peerProofProblem,
  refusedProofOffsetMs,
} from "./peer-proof.ts";

/**
 * - open: anyone (health, for load balancers; reflection).
 * - peer: only nodes (Raft traffic, registration).
 * - client: clients with the client token (or the admin token), and nodes (which discover
 *   each other and forward workflow calls).
 * - status: operators with the admin token, and nodes (a leaving node asks the others).
 * - admin: operators with the admin token only (leave, recover, retention).
 */
export type AccessLevel = "open" | "peer" | "client" | "status" | "admin";

/** The secrets a node demands; each one absent is not demanded. */
export interface AccessSecrets {
  readonly clusterSecret?: string;
  readonly clientToken?: string;
  /** Without it, admin calls take the client token. */
  readonly adminToken?: string;
}

/** What a caller sent: its Authorization header and its peer proof, as received. */
export interface CallerCredentials {
  readonly authorization: string | undefined;
  readonly peerProof: string | undefined;
}

/** The request headers a caller sends to prove itself for a call to `path` at `address`. */
export type CallCredentials = (path: string, address?: string) => Readonly<Record<string, string>>;

/** The header that carries a bearer token, in the lowercase form gRPC metadata needs. */
export const AUTHORIZATION_HEADER = "authorization";

/** Decides every call against the secrets it was given. */
export class AccessPolicy {
  private readonly clusterSecret: string | undefined;
  private readonly clientDigest: Buffer | undefined;
  private readonly adminDigest: Buffer | undefined;
  private readonly nowMs: () => number;

  constructor(secrets: AccessSecrets, nowMs: () => number = Date.now) {
    this.clusterSecret = secrets.clusterSecret;
    this.clientDigest = digestOf(secrets.clientToken);
    this.adminDigest = digestOf(secrets.adminToken);
    this.nowMs = nowMs;
  }

  /**
   * Returns when the caller may make a call at `level` to `path`; throws UNAUTHENTICATED when
   * it did not prove who it is, PERMISSION_DENIED when it did and may not make this call.
   */
  check(level: AccessLevel, path: string, credentials: CallerCredentials): void {
    // Open calls are decided before any credential is looked at: a wrong proof cannot stop them.
    const isPeer = level !== "open" && this.isProvenPeer(path, credentials.peerProof);
    switch (level) {
      case "open":
        return;
      case "peer":
        if (!isPeer && this.clusterSecret !== undefined) throw peerRequired(path);
        return;
      case "client":
        if (!isPeer) this.checkClient(path, credentials.authorization);
        return;
      case "status":
        if (!isPeer) this.checkAdmin(path, credentials.authorization);
        return;
      case "admin":
        if (isPeer && !this.isAdmin(credentials.authorization)) throw peerDenied(path);
        this.checkAdmin(path, credentials.authorization);
        return;
    }
  }

  /** A valid proof of the cluster secret; a wrong one is refused outright. */
  private isProvenPeer(path: string, proof: string | undefined): boolean {
    // Without a secret of our own there is nothing to check a proof against.
    if (this.clusterSecret === undefined || proof === undefined) return false;
    const problem = peerProofProblem({
      secret: this.clusterSecret,
      path,
      proof,
      nowMs: this.nowMs(),
    });
    if (problem === undefined) return true;
    throw new RaftoralError(
      "UNAUTHENTICATED",
      `${path}: the cluster secret proof (${PEER_PROOF_HEADER}) is wrong: ${problem}; ` +
        "every node of a cluster needs the same --cluster-secret-file",
    );
  }

  private checkClient(path: string, authorization: string | undefined): void {
    if (this.clientDigest === undefined) return;
    const token = bearerDigest(authorization);
    if (matches(token, this.clientDigest) || matches(token, this.adminDigest)) return;
    throw tokenProblem(path, token, "the client token");
  }

  private checkAdmin(path: string, authorization: string | undefined): void {
    if (this.adminDigest === undefined) {
      this.checkClient(path, authorization);
      return;
    }
    const token = bearerDigest(authorization);
    if (matches(token, this.adminDigest)) return;
    if (matches(token, this.clientDigest)) {
      throw new RaftoralError(
        "PERMISSION_DENIED",
        `${path} is an operator call: the client token is not enough; use the admin token`,
      );
    }
    throw tokenProblem(path, token, "the admin token");
  }

  private isAdmin(authorization: string | undefined): boolean {
    const admin = this.adminDigest ?? this.clientDigest;
    return admin === undefined || matches(bearerDigest(authorization), admin);
  }
}

/** Headers carrying `token` as a bearer token, for any call. */
export function bearerCredentials(token: string): CallCredentials {
  const headers = { [AUTHORIZATION_HEADER]: `Bearer ${token}` };
  return () => headers;
}

/** Proof of the cluster secret on every call (what nodes send each other). */
export function peerCredentials(secret: string, clocks = new PeerClocks()): CallCredentials {
  return (path, address) => ({
    [PEER_PROOF_HEADER]: createPeerProof(secret, path, clocks.nowFor(address)),
  });
}

/** Learned offsets past this are not believed: no clock is that wrong and still in use. */
const PEER_CLOCK_OFFSET_MS_MAX = 366 * 86_400_000;
/** After an offset changes, refusals of proofs made before it may still come back. */
const PEER_CLOCK_SETTLE_MS = 5_000;

/**
 * The time a proof for each peer carries: this node's clock, plus what a peer's refusal showed
 * its clock to be ahead (or behind). A node whose clock was stepped by more than a proof's
 * window would otherwise be refused by every peer, and refuse them, once a stream opens again:
 * a majority that cannot elect. The proof still holds only within the window of the
 * receiver's clock, so a copied header is worth no more than before; learning from refusals,
 * as some HTTP APIs' clients do from a server's Date, only lets the sender meet that window.
 */
export class PeerClocks {
  private readonly offsets = new Map<string, { offsetMs: number; learnedAtMs: number }>();

  constructor(private readonly nowMs: () => number = Date.now) {}

  nowFor(address: string | undefined): number {
    const learned = address === undefined ? undefined : this.offsets.get(address);
    return this.nowMs() + (learned?.offsetMs ?? 0);
  }

  /**
   * The peer at `address` refused a proof: if for the time it carried, proofs for it carry
   * its time from now on. Returns how far its clock is from this node's, if that was why.
   * A refusal within PEER_CLOCK_SETTLE_MS of the last change is taken for one of a proof made
   * before it, still on its way back, and not counted again.
   */
  learnFrom(address: string, refusal: string): number | undefined {
    const missedByMs = refusedProofOffsetMs(refusal);
    if (missedByMs === undefined) return undefined;
    const nowMs = this.nowMs();
    const learned = this.offsets.get(address);
    if (learned !== undefined && nowMs - learned.learnedAtMs < PEER_CLOCK_SETTLE_MS) {
      return undefined;
    }
    const offsetMs = (learned?.offsetMs ?? 0) + missedByMs;
    if (Math.abs(offsetMs) > PEER_CLOCK_OFFSET_MS_MAX) return undefined;
    this.offsets.set(address, { offsetMs, learnedAtMs: nowMs });
    return offsetMs;
  }
}

/** What a node logs once a peer's refusal taught it that peer's clock (PeerClocks.learnFrom). */
export function learnedClockMessage(who: string, offsetMs: number): string {
  const seconds = Math.round(Math.abs(offsetMs) / 1000);
  return (
    `${who} refused this node's proof of the cluster secret for its time: its clock is ` +
    `${seconds} s ${offsetMs > 0 ? "ahead of" : "behind"} this node's, so proofs for it ` +
    "carry its time from now on; synchronize the nodes' clocks (NTP)"
  );
}

/** Every set of headers on every call. */
export function combinedCredentials(...all: readonly CallCredentials[]): CallCredentials {
  return (path, address) =>
    Object.assign({}, ...all.map((credentials) => credentials(path, address)));
}

// Tokens are compared as SHA-256 digests: equal lengths for timingSafeEqual, and the time
// taken says nothing about how long the real token is.
function digestOf(token: string | undefined): Buffer | undefined {
  return token === undefined ? undefined : nodeCrypto().createHash("sha256").update(token).digest();
}

function bearerDigest(authorization: string | undefined): Buffer | undefined {
  const match = /^Bearer +(\S+)\s*$/i.exec(authorization ?? "");
  return digestOf(match?.[1]);
}

function matches(given: Buffer | undefined, expected: Buffer | undefined): boolean {
  return (
    given !== undefined && expected !== undefined && nodeCrypto().timingSafeEqual(given, expected)
  );
}

function tokenProblem(path: string, given: Buffer | undefined, which: string): RaftoralError {
  const why =
    given === undefined
      ? `needs ${which} as 'Authorization: Bearer <token>'; clients pass it with --token-file or RAFTORAL_TOKEN (a node joining this cluster needs its --cluster-secret-file instead)`
      : `the token sent is not ${which}`;
  return new RaftoralError("UNAUTHENTICATED", `${path}: ${why}`);
}

function peerRequired(path: string): RaftoralError {
  return new RaftoralError(
    "UNAUTHENTICATED",
    `${path} is for the nodes of the cluster: the call needs proof of the cluster secret ` +
      `(${PEER_PROOF_HEADER}); start the calling node with the cluster's --cluster-secret-file`,
  );
}

function peerDenied(path: string): RaftoralError {
  return new RaftoralError(
    "PERMISSION_DENIED",
    `${path} is an operator call; nodes never make it on each other, and the cluster secret does not allow it`,
  );
}
