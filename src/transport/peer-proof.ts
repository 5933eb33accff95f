// Proof that a call comes from a node holding the cluster secret, without sending the secret:
// the x-raftoral-peer header carries "v1.<unix ms>.<HMAC-SHA256(secret, method path and
// time)>". The receiver recomputes the HMAC and compares in constant time. Binding the path
// and the time means a header seen on the wire works only for that method, and only within
// PEER_PROOF_AGE_MS_MAX; it does not protect the message itself (TLS does that).

import { nodeCrypto } from "./node-crypto.ts";

/** The header (HTTP) or metadata key (gRPC) that carries the proof. */
export const PEER_PROOF_HEADER = "x-raftoral-peer";

/**
 * A proof older or newer than this is refused: it bounds how long a copied header can be
 * replayed, and is also the clock difference between nodes that is tolerated.
 */
export const PEER_PROOF_AGE_MS_MAX = 5 * 60 * 1000;

const VERSION = "v1";
const PROOF_PATTERN = /^v1\.(\d{1,16})\.([A-Za-z0-9_-]{43})$/;

/** The header value that proves the secret for a call to `path` ("/raft/message", ...). */
export function createPeerProof(secret: string, path: string, nowMs: number): string {
  const timestampMs = Math.floor(nowMs);
  return `${VERSION}.${timestampMs}.${macOf(secret, path, timestampMs).toString("base64url")}`;
}

/** What is wrong with a proof, or undefined when it holds. Never mentions the secret. */
export function peerProofProblem(options: {
  readonly secret: string;
  readonly path: string;
  readonly proof: string;
  readonly nowMs: number;
}): string | undefined {
  const match = PROOF_PATTERN.exec(options.proof);
  const timestampText = match?.[1];
  const macText = match?.[2];
  if (timestampText === undefined || macText === undefined) {
    return `the ${PEER_PROOF_HEADER} header is malformed (expected v1.<ms>.<mac>)`;
  }
  const timestampMs = Number(timestampText);
  // The MAC first: a forger must not learn anything from the clock check's answer.
  const expected = macOf(options.secret, options.path, timestampMs);
  const given = Buffer.from(macText, "base64url");
  if (given.byteLength !== expected.byteLength || !nodeCrypto().timingSafeEqual(given, expected)) {
    return "it was made with another cluster secret, or for another call";
  }
  const ageMs = options.nowMs - timestampMs;
  if (Math.abs(ageMs) > PEER_PROOF_AGE_MS_MAX) {
    const seconds = Math.round(Math.abs(ageMs) / 1000);
    const age = ageMs >= 0 ? `${seconds} s old` : `dated ${seconds} s ahead of this node's clock`;
    return (
      `it is ${age}; the limit is ${PEER_PROOF_AGE_MS_MAX / 1000} s ` +
      "either way, so either the clocks of the two nodes differ by more (synchronize them, " +
      "e.g. with NTP) or the call was replayed"
    );
  }
  return undefined;
}

function macOf(secret: string, path: string, timestampMs: number): Buffer {
  return nodeCrypto()
    .createHmac("sha256", secret)
    .update(`raftoral-peer-${VERSION}\n${path}\n${timestampMs}`)
    .digest();
}

/**
 * How far ahead of the time a refused proof carried the refusing node's clock was, read from
 * its refusal (peerProofProblem's words, which every version since the proof sends), in ms:
 * positive when that node's clock is ahead. Undefined for a refusal for anything else.
 */
export function refusedProofOffsetMs(refusal: string): number | undefined {
  const old = /it is (\d{1,12}) s old/.exec(refusal)?.[1];
  if (old !== undefined) return Number(old) * 1000;
  const ahead = /it is dated (\d{1,12}) s ahead of this node's clock/.exec(refusal)?.[1];
  return ahead === undefined ? undefined : -Number(ahead) * 1000;
}
