// The cluster secret proof: bound to the secret, the method path and the time; compared in
// constant time; and never a carrier of the secret itself.

import { describe, expect, spyOn, test } from "bun:test";
import { nodeCrypto } from "./node-crypto.ts";
import {
  createPeerProof,
  PEER_PROOF_AGE_MS_MAX,
  PEER_PROOF_HEADER,
  peerProofProblem,
} from "./peer-proof.ts";

const SECRET = "correct horse battery staple 42";
const PATH = "/raftoral.RaftService/SendMessage";
const NOW = 1_750_000_000_000;

function problem(
  proof: string,
  overrides: { secret?: string; path?: string; nowMs?: number } = {},
) {
  return peerProofProblem({
    secret: overrides.secret ?? SECRET,
    path: overrides.path ?? PATH,
    proof,
    nowMs: overrides.nowMs ?? NOW,
  });
}

describe("peer proof", () => {
  test("a proof made with the same secret for the same path holds", () => {
    expect(problem(createPeerProof(SECRET, PATH, NOW))).toBeUndefined();
    expect(problem(createPeerProof(SECRET, PATH, NOW - 1_000))).toBeUndefined();
  });

  test("another secret is refused, and the answer never shows either secret", () => {
    const proof = createPeerProof("another secret of the same size!", PATH, NOW);
    const why = problem(proof);
    expect(why).toBe("it was made with another cluster secret, or for another call");
    expect(proof).not.toContain(SECRET);
    expect(why).not.toContain("another secret");
  });

  test("a proof for one method does not work for another", () => {
    const proof = createPeerProof(SECRET, "/raft/message", NOW);
    expect(problem(proof, { path: "/discovery/register" })).toBe(
      "it was made with another cluster secret, or for another call",
    );
  });

  test("a proof older or newer than the limit is refused, naming the clocks", () => {
    const old = createPeerProof(SECRET, PATH, NOW - PEER_PROOF_AGE_MS_MAX - 1_000);
    expect(problem(old)).toContain("s old; the limit is 300 s either way");
    expect(problem(old)).toContain("NTP");
    const future = createPeerProof(SECRET, PATH, NOW + PEER_PROOF_AGE_MS_MAX + 1_000);
    expect(problem(future)).toContain("it is dated 301 s ahead of this node's clock");
  });

  test("malformed headers are refused as such", () => {
    for (const proof of ["", "v1", "v2.1.abc", `v1.${NOW}.short`, SECRET]) {
      expect(problem(proof)).toBe(
        `the ${PEER_PROOF_HEADER} header is malformed (expected v1.<ms>.<mac>)`,
      );
    }
  });

  test("the MAC is compared with crypto.timingSafeEqual", () => {
    const spy = spyOn(nodeCrypto(), "timingSafeEqual");
    try {
      problem(createPeerProof("not the cluster's secret at all", PATH, NOW));
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });
});
