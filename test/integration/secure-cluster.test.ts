// A secured cluster as an operator runs it, from the compiled binary: three nodes with TLS
// (mutual TLS over gRPC, server TLS over HTTP), a cluster secret and a client token, with
// certificates made by openssl for this test. ping_pong runs through the CLI; a node with the
// wrong secret, or without the token, cannot join, a client without the token is refused, and
// a plaintext client is told to use TLS; none of it shows a secret.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BinaryNodes } from "../support/binary-nodes.ts";
import { compiledBinary, ROOT } from "../support/compiled-binary.ts";
import { freePort } from "../support/ports.ts";
import { makeTestCertificates } from "../support/test-certificates.ts";

const certificates = makeTestCertificates();
afterAll(() => certificates.remove());

const CLUSTER_SECRET = "3f1c0a7e9b2d4c6a8e0f1b3d5c7a9e1f";
const CLIENT_TOKEN = "c0ffee00c0ffee00c0ffee00c0ffee00";

function secretFile(name: string, text: string): string {
  const path = join(certificates.directory, name);
  writeFileSync(path, `${text}\n`);
  chmodSync(path, 0o600);
  return path;
}

const secret = secretFile("cluster.secret", CLUSTER_SECRET);
const wrongSecret = secretFile("wrong.secret", "another-cluster-entirely-00000000");
const token = secretFile("client.token", CLIENT_TOKEN);

function cli(
  args: readonly string[],
  env: Record<string, string> = {},
): { code: number; stdout: string; stderr: string } {
  const result = Bun.spawnSync([compiledBinary(), ...args], {
    stdout: "pipe",
    stderr: "pipe",
    env: { PATH: process.env.PATH ?? "", ...env },
  });
  return {
    code: result.exitCode,
    stdout: result.stdout.toString(),
    stderr: result.stderr.toString(),
  };
}

const CASES = [
  { transport: "grpc", scheme: "grpcs", isMutual: true },
  { transport: "http", scheme: "https", isMutual: false },
] as const;

describe.each(CASES)("a secured cluster over $transport", ({ transport, scheme, isMutual }) => {
  const nodes = new BinaryNodes();
  const addresses: string[] = [];
  /** Everything the clients printed, to look for secrets at the end. */
  const printed: string[] = [];
  const nodeOptions = (secretPath: string) => [
    "--transport",
    transport,
    "--tls-cert",
    certificates.node.certFile,
    "--tls-key",
    certificates.node.keyFile,
    "--tls-ca",
    certificates.caFile,
    ...(isMutual ? ["--tls-client-auth"] : []),
    "--cluster-secret-file",
    secretPath,
    "--client-token-file",
    token,
  ];
  const clientTls = [
    "--tls-ca",
    certificates.caFile,
    ...(isMutual
      ? ["--tls-cert", certificates.client.certFile, "--tls-key", certificates.client.keyFile]
      : []),
  ];
  const run = (args: readonly string[], env: Record<string, string> = {}) => {
    const result = cli(args, env);
    printed.push(result.stdout, result.stderr);
    return result;
  };

  /** How a new node started with `options` fails to join the cluster ("joined" if it does not). */
  const joinFailure = async (options: readonly string[]) => {
    const listen = `127.0.0.1:${await freePort()}`;
    const joinError = await nodes
      .start(["--listen", listen, "--peers", addresses[0] ?? "", ...options])
      .then(
        () => "joined",
        (error: Error) => error.message,
      );
    printed.push(joinError);
    return joinError;
  };

  beforeAll(async () => {
    for (const _ of [0, 1, 2]) addresses.push(`127.0.0.1:${await freePort()}`);
    const [first = ""] = addresses;
    const bootstrap = await nodes.start(["--listen", first, "--bootstrap", ...nodeOptions(secret)]);
    expect(bootstrap.log).toContain(
      `Security, tls: ${isMutual ? "mutual" : "on"}, cluster_secret: on, client_token: on`,
    );
    for (const address of addresses.slice(1)) {
      await nodes.start(["--listen", address, "--peers", first, ...nodeOptions(secret)]);
    }
  });
  afterAll(() => nodes.stopAll());

  test("ping_pong runs through the CLI with the token, from a file or the environment", () => {
    const ping = ["workflow", "run", "ping_pong", "--input", '"ping"', "--wait"];
    const viaFile = run([
      ...ping,
      "-a",
      `${scheme}://${addresses[2]}`,
      ...clientTls,
      "--token-file",
      token,
    ]);
    expect(viaFile.stderr).toBe("");
    expect(viaFile.stdout).toContain('Completed: "pong"');
    expect(viaFile.code).toBe(0);
    // Without a scheme, --tls-ca makes the address a TLS one.
    const viaEnv = run([...ping, "-t", transport, "-a", `${addresses[1]}`, ...clientTls], {
      RAFTORAL_TOKEN: CLIENT_TOKEN,
    });
    expect(viaEnv.stdout).toContain('Completed: "pong"');
    // Without an admin token, status takes the client token.
    const everyNode = addresses.map((address) => `${scheme}://${address}`).join(",");
    const status = run(["cluster", "status", "-a", everyNode, ...clientTls, "--token-file", token]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(addresses[2] ?? "");
  });

  test("the QUICKSTART's ping_pong script works with the TLS options and the token", () => {
    const name = transport === "grpc" ? "run_ping_pong.sh" : "run_ping_pong_http.sh";
    const tlsOptions =
      transport === "grpc" ? clientTls.join(" ") : `--cacert ${certificates.caFile}`;
    const result = Bun.spawnSync([join(ROOT, "scripts", name), `${scheme}://${addresses[0]}`], {
      stdout: "pipe",
      stderr: "pipe",
      env: {
        PATH: process.env.PATH ?? "",
        RAFTORAL_BIN: compiledBinary(),
        RAFTORAL_TOKEN: CLIENT_TOKEN,
        [transport === "grpc" ? "RAFTORAL_CLIENT_OPTIONS" : "CURL_OPTIONS"]: tlsOptions,
      },
    });
    printed.push(result.stdout.toString(), result.stderr.toString());
    expect(result.stderr.toString()).toBe("");
    expect(result.stdout.toString()).toContain("Done!");
    expect(result.exitCode).toBe(0);
  });

  test("a client without the token is refused; health stays open", () => {
    const at = ["--address", `${scheme}://${addresses[0]}`, ...clientTls];
    const noToken = run(["workflow", "run", "ping_pong", "-i", '"ping"', ...at]);
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain("needs the client token as 'Authorization: Bearer <token>'");
    expect(run(["node", "health", ...at]).code).toBe(0);
  });

  test("health asked in the other protocol, without the token, names the node's protocol", () => {
    const other = scheme === "grpcs" ? "https" : "grpcs";
    const health = run(["node", "health", "--address", `${other}://${addresses[0]}`, ...clientTls]);
    // Exit status 2: a usage error, where it was 3 ("no node answered ... Protocol error").
    expect(health.code).toBe(2);
    expect(health.stderr).toContain(`speaks ${transport === "grpc" ? "gRPC" : "HTTP"}, not`);
  });

  test("a plaintext client to a TLS node is told to use TLS", () => {
    const plaintext = run([
      "node",
      "health",
      "--address",
      `${transport}://${addresses[0]}`,
      "--timeout",
      "3",
    ]);
    // Exit status 3: no node answered; the call cannot have been taken (it was not "maybe done").
    expect(plaintext.code).toBe(3);
    // Over HTTP the client asks the port whether it speaks TLS (fetch says only ECONNRESET).
    expect(plaintext.stderr).toContain(
      transport === "http"
        ? "the node speaks TLS on this port: call it with https://"
        : "it uses TLS (then call it with https:// or grpcs://",
    );
  });

  test("a node with another cluster's secret cannot join, and says why", async () => {
    const joinError = await joinFailure(nodeOptions(wrongSecret));
    expect(joinError).toContain("refused this node");
    expect(joinError).toContain("it was made with another cluster secret");
  });

  test("a node without the client token (or client certificates) cannot join, and says why", async () => {
    const weaker = nodeOptions(secret).filter(
      (option, k, all) =>
        option !== "--tls-client-auth" &&
        option !== "--client-token-file" &&
        all[k - 1] !== "--client-token-file",
    );
    const joinError = await joinFailure(weaker);
    expect(joinError).toContain("this node's security settings differ from node 1's");
    expect(joinError).toContain("it has no --client-token-file and node 1 has one");
    if (isMutual) {
      expect(joinError).toContain("it does not require client certificates (--tls-client-auth)");
    }
  });

  test("no secret or token reaches a log or an error", () => {
    const everything = [...nodes.nodes.map((node) => node.log), ...printed].join("\n");
    expect(everything).toContain("Node 3 is ready");
    for (const value of [CLUSTER_SECRET, CLIENT_TOKEN, "another-cluster-entirely"]) {
      expect(everything).not.toContain(value);
    }
  });
});
