// Certificates for TLS tests, made with the openssl CLI into a temporary directory: a CA, a
// node certificate for 127.0.0.1 and localhost (usable as server and client certificate), a
// client certificate, and a second CA with a certificate the first CA never signed. EC P-256
// keys keep it fast (a few hundred milliseconds). Key files are 0600, as the CLI demands.

import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** One certificate: file paths and PEM text. */
export interface TestCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
}

export interface TestCertificates {
  readonly directory: string;
  readonly caFile: string;
  readonly ca: string;
  /** Signed by the CA; subjectAltName IP:127.0.0.1, DNS:localhost; server and client use. */
  readonly node: TestCertificate;
  /** Signed by the CA; client use. */
  readonly client: TestCertificate;
  /** Signed by another CA, which the nodes do not trust. */
  readonly stranger: TestCertificate;
  /** The other CA, for a client that trusts the wrong one. */
  readonly otherCaFile: string;
  /** Removes the directory. */
  remove(): void;
}

const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** Makes the certificates; throws with openssl's output when it fails. */
export function makeTestCertificates(): TestCertificates {
  const directory = mkdtempSync(join(tmpdir(), "raftoral-certs-"));
  const path = (name: string) => join(directory, name);
  const makeCa = (name: string, subject: string) =>
    openssl(directory, [
      "req",
      "-x509",
      ...EC_KEY,
      "-keyout",
      path(`${name}.key`),
      "-out",
      path(`${name}.pem`),
      "-days",
      "2",
      "-subj",
      subject,
    ]);
  makeCa("ca", "/CN=Raftoral test CA");
  makeCa("other-ca", "/CN=Someone else's CA");
  const sign = (name: string, ca: string, extensions: string): TestCertificate => {
    openssl(directory, [
      "req",
      ...EC_KEY,
      "-keyout",
      path(`${name}.key`),
      "-out",
      path(`${name}.csr`),
      "-subj",
      `/CN=${name}`,
    ]);
    writeFileSync(path(`${name}.ext`), extensions);
    openssl(directory, [
      "x509",
      "-req",
      "-in",
      path(`${name}.csr`),
      "-CA",
      path(`${ca}.pem`),
      "-CAkey",
      path(`${ca}.key`),
      "-CAcreateserial",
      "-out",
      path(`${name}.pem`),
      "-days",
      "2",
      "-extfile",
      path(`${name}.ext`),
    ]);
    chmodSync(path(`${name}.key`), 0o600);
    return {
      certFile: path(`${name}.pem`),
      keyFile: path(`${name}.key`),
      cert: readFileSync(path(`${name}.pem`), "utf8"),
      key: readFileSync(path(`${name}.key`), "utf8"),
    };
  };
  const serverAndClient = "extendedKeyUsage=serverAuth,clientAuth\n";
  const certificates: TestCertificates = {
    directory,
    caFile: path("ca.pem"),
    ca: readFileSync(path("ca.pem"), "utf8"),
    node: sign("node", "ca", `subjectAltName=IP:127.0.0.1,DNS:localhost\n${serverAndClient}`),
    client: sign("client", "ca", "extendedKeyUsage=clientAuth\n"),
    stranger: sign("stranger", "other-ca", `subjectAltName=IP:127.0.0.1\n${serverAndClient}`),
    otherCaFile: path("other-ca.pem"),
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
  return certificates;
}

function openssl(directory: string, args: readonly string[]): void {
  const result = Bun.spawnSync(["openssl", ...args], {
    cwd: directory,
    stdout: "pipe",
    stderr: "pipe",
  });
  if (result.exitCode !== 0) {
    throw new Error(`openssl ${args[0]} failed: ${result.stderr.toString()}`);
  }
}
