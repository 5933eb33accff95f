// Who may call what: every access level against every kind of caller, with and without each
// secret configured; the codes (UNAUTHENTICATED vs PERMISSION_DENIED), the messages (which
// never contain a secret), and constant-time token comparison.

import { describe, expect, spyOn, test } from "bun:test";
import { RaftoralError } from "../lib/index.ts";
import {
  type AccessLevel,
  AccessPolicy,
  type AccessSecrets,
  bearerCredentials,
  type CallerCredentials,
  combinedCredentials,
  PeerClocks,
  peerCredentials,
} from "./access-policy.ts";
import { nodeCrypto } from "./node-crypto.ts";
import { createPeerProof, PEER_PROOF_HEADER } from "./peer-proof.ts";

const NOW = 1_750_000_000_000;
const SECRETS = {
  clusterSecret: "cluster-secret-0123456789abcdef",
  clientToken: "client-token-0123456789abcdef",
  adminToken: "admin-token-0123456789abcdef",
} as const;
const PATH = "/some/path";

type Caller = "nobody" | "client" | "admin" | "peer" | "wrong-token" | "wrong-peer";

function credentialsOf(caller: Caller, path = PATH): CallerCredentials {
  switch (caller) {
    case "nobody":
      return { authorization: undefined, peerProof: undefined };
    case "client":
      return { authorization: `Bearer ${SECRETS.clientToken}`, peerProof: undefined };
    case "admin":
      return { authorization: `Bearer ${SECRETS.adminToken}`, peerProof: undefined };
    case "wrong-token":
      return { authorization: "Bearer not-the-token-at-all-000000", peerProof: undefined };
    case "peer":
      return {
        authorization: undefined,
        peerProof: createPeerProof(SECRETS.clusterSecret, path, NOW),
      };
    case "wrong-peer":
      return {
        authorization: undefined,
        peerProof: createPeerProof("some other cluster's secret 1234", path, NOW),
      };
  }
}

/** "ok", or the code the check threw. */
function outcome(secrets: AccessSecrets, level: AccessLevel, caller: Caller): string {
  try {
    new AccessPolicy(secrets, () => NOW).check(level, PATH, credentialsOf(caller));
    return "ok";
  } catch (error) {
    if (!(error instanceof RaftoralError)) throw error;
    return error.code;
  }
}

const UNAUTH = "UNAUTHENTICATED";
const DENIED = "PERMISSION_DENIED";

describe("with a cluster secret, a client token and an admin token", () => {
  const table: [AccessLevel, Record<Caller, string>][] = [
    [
      "open",
      {
        nobody: "ok",
        client: "ok",
        admin: "ok",
        peer: "ok",
        "wrong-token": "ok",
        "wrong-peer": "ok",
      },
    ],
    [
      "peer",
      {
        nobody: UNAUTH,
        client: UNAUTH,
        admin: UNAUTH,
        peer: "ok",
        "wrong-token": UNAUTH,
        "wrong-peer": UNAUTH,
      },
    ],
    [
      "client",
      {
        nobody: UNAUTH,
        client: "ok",
        admin: "ok",
        peer: "ok",
        "wrong-token": UNAUTH,
        "wrong-peer": UNAUTH,
      },
    ],
    [
      "status",
      {
        nobody: UNAUTH,
        client: DENIED,
        admin: "ok",
        peer: "ok",
        "wrong-token": UNAUTH,
        "wrong-peer": UNAUTH,
      },
    ],
    [
      "admin",
      {
        nobody: UNAUTH,
        client: DENIED,
        admin: "ok",
        peer: DENIED,
        "wrong-token": UNAUTH,
        "wrong-peer": UNAUTH,
      },
    ],
  ];
  test.each(table)("%s calls", (level, expected) => {
    for (const [caller, code] of Object.entries(expected)) {
      expect(`${caller}: ${outcome(SECRETS, level, caller as Caller)}`).toBe(`${caller}: ${code}`);
    }
  });
});

describe("with fewer secrets, only what is configured is demanded", () => {
  test("nothing configured: everyone may call everything, whatever they send", () => {
    for (const level of ["open", "peer", "client", "status", "admin"] as const) {
      for (const caller of ["nobody", "client", "peer", "wrong-token", "wrong-peer"] as const) {
        expect(outcome({}, level, caller)).toBe("ok");
      }
    }
  });

  test("only the cluster secret: peer calls need it, client and admin calls stay open", () => {
    const secrets = { clusterSecret: SECRETS.clusterSecret };
    expect(outcome(secrets, "peer", "nobody")).toBe(UNAUTH);
    expect(outcome(secrets, "peer", "peer")).toBe("ok");
    expect(outcome(secrets, "client", "nobody")).toBe("ok");
    expect(outcome(secrets, "admin", "nobody")).toBe("ok");
    expect(outcome(secrets, "admin", "peer")).toBe("ok");
    // A wrong proof is refused even where no proof is needed: it is a misconfigured node.
    expect(outcome(secrets, "client", "wrong-peer")).toBe(UNAUTH);
  });

  test("no admin token: admin calls take the client token", () => {
    const secrets = { clusterSecret: SECRETS.clusterSecret, clientToken: SECRETS.clientToken };
    expect(outcome(secrets, "admin", "client")).toBe("ok");
    expect(outcome(secrets, "status", "client")).toBe("ok");
    expect(outcome(secrets, "admin", "nobody")).toBe(UNAUTH);
    expect(outcome(secrets, "admin", "peer")).toBe(DENIED);
    expect(outcome(secrets, "client", "admin")).toBe(UNAUTH);
  });

  test("only an admin token: client calls are open, admin calls need it", () => {
    const secrets = { clusterSecret: SECRETS.clusterSecret, adminToken: SECRETS.adminToken };
    expect(outcome(secrets, "client", "nobody")).toBe("ok");
    expect(outcome(secrets, "admin", "nobody")).toBe(UNAUTH);
    expect(outcome(secrets, "admin", "admin")).toBe("ok");
  });

  test("a node without a secret ignores proofs it cannot check", () => {
    expect(outcome({ clientToken: SECRETS.clientToken }, "client", "peer")).toBe(UNAUTH);
    expect(outcome({ clientToken: SECRETS.clientToken }, "client", "client")).toBe("ok");
  });
});

describe("messages", () => {
  function messageOf(level: AccessLevel, caller: Caller): string {
    try {
      new AccessPolicy(SECRETS, () => NOW).check(level, PATH, credentialsOf(caller));
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error("expected a refusal");
  }

  test("each refusal says what is needed and how to give it, and shows no secret", () => {
    const messages = {
      nobodyClient: messageOf("client", "nobody"),
      wrongToken: messageOf("client", "wrong-token"),
      clientOnAdmin: messageOf("admin", "client"),
      nobodyPeer: messageOf("peer", "nobody"),
      wrongPeer: messageOf("peer", "wrong-peer"),
      peerOnAdmin: messageOf("admin", "peer"),
    };
    expect(messages.nobodyClient).toBe(
      `${PATH}: needs the client token as 'Authorization: Bearer <token>'; clients pass it with --token-file or RAFTORAL_TOKEN (a node joining this cluster needs its --cluster-secret-file instead)`,
    );
    expect(messages.wrongToken).toBe(`${PATH}: the token sent is not the client token`);
    expect(messages.clientOnAdmin).toContain("the client token is not enough; use the admin token");
    expect(messages.nobodyPeer).toContain(
      "start the calling node with the cluster's --cluster-secret-file",
    );
    expect(messages.wrongPeer).toContain(
      "every node of a cluster needs the same --cluster-secret-file",
    );
    expect(messages.peerOnAdmin).toContain("is an operator call");
    for (const message of Object.values(messages)) {
      for (const secret of Object.values(SECRETS)) expect(message).not.toContain(secret);
    }
  });
});

describe("credentials a caller sends", () => {
  test("bearer and peer credentials together pass a client check, and each alone what it may", () => {
    const headers = combinedCredentials(
      bearerCredentials(SECRETS.clientToken),
      peerCredentials(SECRETS.clusterSecret, new PeerClocks(() => NOW)),
    )(PATH);
    expect(headers.authorization).toBe(`Bearer ${SECRETS.clientToken}`);
    const policy = new AccessPolicy(SECRETS, () => NOW);
    policy.check("peer", PATH, {
      authorization: headers.authorization,
      peerProof: headers[PEER_PROOF_HEADER],
    });
  });

  test("tokens are compared with crypto.timingSafeEqual", () => {
    const spy = spyOn(nodeCrypto(), "timingSafeEqual");
    try {
      outcome({ clientToken: SECRETS.clientToken }, "client", "wrong-token");
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});

describe("PeerClocks: proofs for a peer whose clock is off", () => {
  const ADDRESS = "127.0.0.1:7002";
  const TEN_MINUTES_MS = 600_000;

  /** A proof made now for ADDRESS, checked by a node whose clock is `skewMs` from ours. */
  function refusalOf(clocks: PeerClocks, now: () => number, skewMs: number): string | undefined {
    const headers = peerCredentials(SECRETS.clusterSecret, clocks)(PATH, ADDRESS);
    const receiver = new AccessPolicy(SECRETS, () => now() + skewMs);
    try {
      receiver.check("peer", PATH, {
        authorization: undefined,
        peerProof: headers[PEER_PROOF_HEADER],
      });
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  }

  for (const skewMs of [TEN_MINUTES_MS, -TEN_MINUTES_MS, 3 * 86_400_000]) {
    test(`a peer ${skewMs} ms off refuses one proof, then takes the next, made for its clock`, () => {
      let nowMs = NOW;
      const clocks = new PeerClocks(() => nowMs);
      const refusal = refusalOf(clocks, () => nowMs, skewMs);
      expect(refusal).toBeDefined();
      const learned = clocks.learnFrom(ADDRESS, refusal ?? "");
      expect(Math.abs((learned ?? 0) - skewMs)).toBeLessThanOrEqual(1_000);
      expect(refusalOf(clocks, () => nowMs, skewMs)).toBeUndefined();
      // Other peers still get proofs by this node's own clock.
      expect(clocks.nowFor("127.0.0.1:7003")).toBe(nowMs);
      // The peer's clock is put right: refused again, and learned back once the last change settled.
      nowMs += 10_000;
      const again = refusalOf(clocks, () => nowMs, 0);
      expect(again).toBeDefined();
      expect(clocks.learnFrom(ADDRESS, again ?? "")).toBeCloseTo(0, -4);
      expect(refusalOf(clocks, () => nowMs, 0)).toBeUndefined();
    });
  }

  test("a refusal still on its way back after a change is not counted twice; other refusals teach nothing", () => {
    const clocks = new PeerClocks(() => NOW);
    const first = refusalOf(clocks, () => NOW, TEN_MINUTES_MS) ?? "";
    const second = refusalOf(clocks, () => NOW, TEN_MINUTES_MS) ?? "";
    expect(clocks.learnFrom(ADDRESS, first)).toBeDefined();
    expect(clocks.learnFrom(ADDRESS, second)).toBeUndefined();
    expect(refusalOf(clocks, () => NOW, TEN_MINUTES_MS)).toBeUndefined();
    const fresh = new PeerClocks(() => NOW);
    expect(fresh.learnFrom(ADDRESS, "it was made with another cluster secret")).toBeUndefined();
    expect(fresh.nowFor(ADDRESS)).toBe(NOW);
  });
});
