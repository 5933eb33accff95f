// What a node makes of its security settings: the combinations that cannot work are refused
// before anything starts, and each transport half gets its part (server TLS, peer TLS with
// the node's own certificate, the access policy, the proof of the secret).

import { describe, expect, test } from "bun:test";
import { makeTestCertificates } from "../../test/support/test-certificates.ts";
import { PEER_PROOF_HEADER, PeerClocks } from "../transport/index.ts";
import {
  accessPolicyOf,
  certificateWarning,
  checkNodeSecurity,
  peerCallCredentials,
  peerTlsOf,
  serverTlsOf,
} from "./node-security.ts";

const TLS = { cert: "CERT", key: "KEY", ca: "CA" };
const SECRET = "cluster-secret-0123456789abcdef";

describe("node security settings", () => {
  test("tokens without a cluster secret, and mutual TLS without a CA, are refused", () => {
    expect(() => checkNodeSecurity({ clientToken: "client-token-0123456789" })).toThrow(
      "client and admin tokens need a cluster secret too (--cluster-secret-file)",
    );
    expect(() => checkNodeSecurity({ adminToken: "admin-token-0123456789" })).toThrow(
      "need a cluster secret too",
    );
    expect(() =>
      checkNodeSecurity({ tls: { cert: "CERT", key: "KEY", isClientCertRequired: true } }),
    ).toThrow("give --tls-ca with --tls-client-auth");
    checkNodeSecurity({});
    checkNodeSecurity({ tls: { ...TLS, isClientCertRequired: true }, clusterSecret: SECRET });
  });

  test("an allowed browser origin that is not an origin is refused, naming it", () => {
    expect(() => checkNodeSecurity({ corsOrigins: ["https://app.example.com", "app"] })).toThrow(
      "--cors-origin: 'app' is not an origin",
    );
    checkNodeSecurity({ corsOrigins: ["https://app.example.com", "*"] });
  });

  test("a node certificate out of its dates gets a warning that says what to do", () => {
    const certificates = makeTestCertificates();
    try {
      const security = { tls: { cert: certificates.node.cert, key: certificates.node.key } };
      expect(certificateWarning(security, Date.now(), "127.0.0.1:7001")).toBeUndefined();
      expect(certificateWarning(security, Date.UTC(2200, 0, 1), "127.0.0.1:7001")).toContain(
        "This node's TLS certificate cannot be used: it expired on ",
      );
      expect(certificateWarning({}, Date.UTC(2200, 0, 1), "127.0.0.1:7001")).toBeUndefined();
    } finally {
      certificates.remove();
    }
  });

  test("the server serves the node's certificate; peers dial with it and trust the CA", () => {
    expect(serverTlsOf({})).toBeUndefined();
    expect(serverTlsOf({ tls: TLS })).toEqual({ ...TLS, isClientCertRequired: false });
    expect(peerTlsOf({ tls: { ...TLS, isClientCertRequired: true } })).toEqual(TLS);
    expect(peerTlsOf({ tls: { cert: "CERT", key: "KEY" } })).toEqual({ cert: "CERT", key: "KEY" });
  });

  test("no policy and no proof when nothing is demanded; a proof on every call with a secret", () => {
    expect(accessPolicyOf({ tls: TLS })).toBeUndefined();
    expect(peerCallCredentials({}, new PeerClocks())).toBeUndefined();
    expect(accessPolicyOf({ clusterSecret: SECRET })).toBeDefined();
    const headers =
      peerCallCredentials({ clusterSecret: SECRET }, new PeerClocks())?.("/raft/message") ?? {};
    expect(headers[PEER_PROOF_HEADER]).toMatch(/^v1\.\d+\.[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(headers)).not.toContain(SECRET);
  });
});
