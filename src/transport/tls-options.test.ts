import { afterAll, describe, expect, test } from "bun:test";
import { makeTestCertificates } from "../../test/support/test-certificates.ts";
import { certificateDateProblem, connectionHint } from "./tls-options.ts";

const certificates = makeTestCertificates();
afterAll(() => certificates.remove());

describe("a certificate's dates", () => {
  test("a certificate is usable within its dates, and says which date it is out of", () => {
    const { cert } = certificates.node;
    expect(certificateDateProblem(cert, Date.now())).toBeUndefined();
    expect(certificateDateProblem(cert, Date.UTC(2200, 0, 1))).toStartWith("it expired on ");
    expect(certificateDateProblem(cert, 0)).toStartWith("it is valid only from ");
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
