// Secret, token, certificate and key files: what is accepted, and each refusal with the file
// and the fix in its message (a group/world-readable secret or key: chmod 600).

import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeTestCertificates } from "../../test/support/test-certificates.ts";
import { CLUSTER_SECRET_ENV, loadClientSecurity, loadNodeSecurity } from "./load-security.ts";
import {
  readCertificateAndKey,
  readCertificateFile,
  readPrivateKeyFile,
  readSecretFile,
  SecurityFileError,
} from "./security-files.ts";

const directory = mkdtempSync(join(tmpdir(), "raftoral-secrets-"));
const certificates = makeTestCertificates();
afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
  certificates.remove();
});

const SECRET = "0123456789abcdef0123456789abcdef";

function file(name: string, text: string, mode = 0o600): string {
  const path = join(directory, name);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

function refusal(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    if (error instanceof SecurityFileError) return error.message;
    throw error;
  }
  throw new Error("expected a SecurityFileError");
}

describe("secret and token files", () => {
  test("one line of at least 16 printable characters; the final line break is dropped", () => {
    expect(readSecretFile(file("secret", `${SECRET}\n`), "--cluster-secret-file")).toBe(SECRET);
    expect(readSecretFile(file("crlf", `${SECRET}\r\n`), "--token-file")).toBe(SECRET);
  });

  test.each([0o644, 0o640, 0o604, 0o660])("mode %o is refused: chmod 600", (mode) => {
    const path = file(`open-${mode.toString(8)}`, SECRET, mode);
    const message = refusal(() => readSecretFile(path, "--cluster-secret-file"));
    expect(message).toBe(
      `--cluster-secret-file ${path} can be read or written by group or others (mode 0${mode.toString(8)}); it holds a secret: run chmod 600 ${path}`,
    );
    expect(message).not.toContain(SECRET);
  });

  test("short, multi-line, missing and directory are refused, never showing the content", () => {
    const short = file("short", "tooshort");
    expect(refusal(() => readSecretFile(short, "--client-token-file"))).toBe(
      `--client-token-file ${short} holds 8 characters; use at least 16 (e.g. openssl rand -hex 32)`,
    );
    const spaced = file("spaced", "correct horse battery staple");
    expect(refusal(() => readSecretFile(spaced, "--token-file"))).toContain(
      "must be one line of printable ASCII without spaces",
    );
    const missing = join(directory, "missing");
    expect(refusal(() => readSecretFile(missing, "--token-file"))).toBe(
      `cannot read --token-file ${missing}: no such file`,
    );
    const folder = join(directory, "folder");
    mkdirSync(folder, { mode: 0o700 });
    expect(refusal(() => readSecretFile(folder, "--token-file"))).toBe(
      `--token-file ${folder} is not a file`,
    );
  });
});

describe("certificate and key files", () => {
  test("a key readable by others is refused; a certificate may be world-readable", () => {
    const key = file("node.key", certificates.node.key, 0o644);
    expect(refusal(() => readPrivateKeyFile(key, "--tls-key"))).toContain(`run chmod 600 ${key}`);
    chmodSync(key, 0o600);
    expect(readPrivateKeyFile(key, "--tls-key")).toBe(certificates.node.key);
    const cert = file("node.pem", certificates.node.cert, 0o644);
    expect(readCertificateFile(cert, "--tls-cert")).toBe(certificates.node.cert);
  });

  test("a certificate where the key belongs, and the other way round, is named", () => {
    const cert = file("swapped.pem", certificates.node.cert);
    expect(refusal(() => readPrivateKeyFile(cert, "--tls-key"))).toContain(
      "holds no PEM private key",
    );
    const key = file("swapped.key", certificates.node.key);
    expect(refusal(() => readCertificateFile(key, "--tls-cert"))).toContain(
      "holds no PEM certificate",
    );
  });
});

describe("a certificate and its key", () => {
  test("a client certificate out of its dates is refused before any call, saying so", () => {
    const paths = { tlsCert: certificates.client.certFile, tlsKey: certificates.client.keyFile };
    expect(loadClientSecurity(paths, {}).tls?.cert).toBe(certificates.client.cert);
    expect(refusal(() => loadClientSecurity(paths, {}, Date.UTC(2200, 0, 1)))).toContain(
      `--tls-cert ${certificates.client.certFile} cannot be used: it expired on `,
    );
  });

  test("a key of another certificate is named as such, for the node and for a client", () => {
    const paths = { tlsCert: certificates.client.certFile, tlsKey: certificates.node.keyFile };
    const expected = `--tls-key ${certificates.node.keyFile} is not the key of --tls-cert ${certificates.client.certFile}`;
    expect(refusal(() => loadClientSecurity(paths, {}))).toContain(expected);
    expect(refusal(() => loadNodeSecurity({ ...paths, isClientAuth: false }, {}))).toContain(
      expected,
    );
    expect(readCertificateAndKey(certificates.node.certFile, certificates.node.keyFile)).toEqual({
      cert: certificates.node.cert,
      key: certificates.node.key,
    });
  });

  test("PEM markers around garbage do not parse, and say so", () => {
    const key = file(
      "garbage.key",
      "-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n",
    );
    expect(refusal(() => readCertificateAndKey(certificates.node.certFile, key))).toContain(
      "does not parse",
    );
  });
});

describe("loading what the command line names", () => {
  test("a node's TLS, secret and tokens", () => {
    const secret = file("cluster", SECRET);
    const client = file("client", "client-token-0123456789");
    const admin = file("admin", "admin-token-0123456789");
    const security = loadNodeSecurity(
      {
        tlsCert: certificates.node.certFile,
        tlsKey: certificates.node.keyFile,
        tlsCa: certificates.caFile,
        isClientAuth: true,
        clusterSecretFile: secret,
        clientTokenFile: client,
        adminTokenFile: admin,
      },
      {},
    );
    expect(security).toEqual({
      tls: {
        cert: certificates.node.cert,
        key: certificates.node.key,
        ca: certificates.ca,
        isClientCertRequired: true,
      },
      clusterSecret: SECRET,
      clientToken: "client-token-0123456789",
      adminToken: "admin-token-0123456789",
    });
  });

  test("the cluster secret from the environment, but not from both places", () => {
    expect(loadNodeSecurity({ isClientAuth: false }, { [CLUSTER_SECRET_ENV]: SECRET })).toEqual({
      clusterSecret: SECRET,
    });
    const secret = file("cluster-2", SECRET);
    expect(
      refusal(() =>
        loadNodeSecurity(
          { isClientAuth: false, clusterSecretFile: secret },
          { [CLUSTER_SECRET_ENV]: SECRET },
        ),
      ),
    ).toContain("both --cluster-secret-file and RAFTORAL_CLUSTER_SECRET are set");
    expect(
      refusal(() => loadNodeSecurity({ isClientAuth: false }, { [CLUSTER_SECRET_ENV]: "short" })),
    ).toBe(
      "the environment variable RAFTORAL_CLUSTER_SECRET holds 5 characters; use at least 16 (e.g. openssl rand -hex 32)",
    );
  });

  test("tokens without a cluster secret, and an admin token equal to the client token, are refused", () => {
    const client = file("client-only", "client-token-0123456789");
    expect(
      refusal(() => loadNodeSecurity({ isClientAuth: false, clientTokenFile: client }, {})),
    ).toContain("need a cluster secret too");
    const secret = file("cluster-3", SECRET);
    expect(
      refusal(() =>
        loadNodeSecurity(
          {
            isClientAuth: false,
            clusterSecretFile: secret,
            clientTokenFile: client,
            adminTokenFile: client,
          },
          {},
        ),
      ),
    ).toContain("an admin token must differ");
  });

  test("a client's TLS files and token, from --token-file or RAFTORAL_TOKEN", () => {
    expect(loadClientSecurity({}, {})).toEqual({});
    expect(loadClientSecurity({ tlsCa: certificates.caFile }, { RAFTORAL_TOKEN: SECRET })).toEqual({
      tls: { ca: certificates.ca },
      token: SECRET,
    });
    const token = file("token", SECRET);
    expect(
      loadClientSecurity(
        {
          tlsCert: certificates.client.certFile,
          tlsKey: certificates.client.keyFile,
          tokenFile: token,
        },
        {},
      ),
    ).toEqual({
      tls: { cert: certificates.client.cert, key: certificates.client.key },
      token: SECRET,
    });
  });
});
