import { afterAll, describe, expect, test } from "bun:test";
import { makeTestCertificates } from "../../test/support/test-certificates.ts";
import { certificateProblems, connectionHint } from "./tls-options.ts";

const certificates = makeTestCertificates();
afterAll(() => certificates.remove());

describe("a node certificate's dates, usages and names", () => {
  test("a certificate is usable within its dates, and says which date it is out of", () => {
    const { cert } = certificates.node;
    expect(certificateProblems(cert, Date.now(), "127.0.0.1")).toEqual([]);
    const [expired] = certificateProblems(cert, Date.UTC(2200, 0, 1), "127.0.0.1");
    expect(expired).toStartWith("it expired on ");
    expect(certificateProblems(cert, 0, "localhost")[0]).toStartWith("it is valid only from ");
  });

  test("one for clients only, or for another host, is named so where the node starts", () => {
    // The test client certificate: clientAuth only, and no subjectAltName.
    expect(certificateProblems(certificates.client.cert, Date.now(), "127.0.0.1")).toEqual([
      "its extended key usage lacks serverAuth (a node serves and calls its peers: it needs serverAuth and clientAuth, or no extended key usage)",
      "its subjectAltName does not name 127.0.0.1, the host the others reach this node at",
    ]);
    expect(certificateProblems(certificates.node.cert, Date.now(), "10.9.9.9")).toEqual([
      "its subjectAltName does not name 10.9.9.9, the host the others reach this node at",
    ]);
    expect(certificateProblems(certificates.node.cert, Date.now(), "node-7.internal")).toHaveLength(
      1,
    );
  });

  test("a client certificate needs its dates and client authentication only", () => {
    expect(certificateProblems(certificates.client.cert, Date.now())).toEqual([]);
    const [expired] = certificateProblems(certificates.client.cert, Date.UTC(2200, 0, 1));
    expect(expired).toStartWith("it expired on ");
  });

  test("a client refused for a certificate out of its dates is told so, not to pass another CA", () => {
    // Bun's words for each side of the dates (the second: this host's clock is behind).
    for (const failure of ["certificate has expired", "certificate is not yet valid"]) {
      const hint = connectionHint(failure, true, false);
      expect(hint).toContain("the node's certificate is out of its dates: renew it");
      expect(hint).toContain("or check this host's clock");
      expect(hint).not.toContain("--tls-ca");
    }
  });

  test("a node certificate for clients only is named so, not as untrusted", () => {
    // Bun's words when the node's certificate has no serverAuth (an operator tour, 2026-12-07).
    const hint = connectionHint("unsupported certificate purpose", true, false);
    expect(hint).toContain("its extended key usage lacks serverAuth");
    expect(hint).not.toContain("--tls-ca");
  });

  test("a plain connection the node cut is told how a client and a joining node use TLS", () => {
    const hint = connectionHint("ECONNRESET", false, false);
    expect(hint).toContain("it uses TLS (then call it with https:// or grpcs:// and --tls-ca");
    expect(hint).toContain("a node joining it needs --tls-cert, --tls-key and --tls-ca");
    expect(connectionHint("ECONNRESET", false, true)).toBe("");
  });

  test("a handshake that failed without saying why names every likely cause, gRPC's port among them", () => {
    const hint = connectionHint("handshake failed", true, false);
    expect(hint).toContain("the node may speak gRPC on this port (use grpcs://)");
    expect(hint).toContain("no TLS (use http:// or grpc://)");
    expect(hint).toContain("pass --tls-cert and --tls-key");
  });
});
