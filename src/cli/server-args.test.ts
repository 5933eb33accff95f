import { describe, expect, test } from "bun:test";
import { parseServerArgs, type ServerArgs } from "./server-args.ts";

function run(argv: string[]): ServerArgs {
  const parsed = parseServerArgs(argv);
  if (parsed.kind !== "run") throw new Error(`expected run, got ${JSON.stringify(parsed)}`);
  return parsed.args;
}

function failure(argv: string[]): string {
  const parsed = parseServerArgs(argv);
  if (parsed.kind !== "error") throw new Error(`expected error, got ${JSON.stringify(parsed)}`);
  return parsed.message;
}

describe("server command line", () => {
  test("bootstrap with defaults", () => {
    const args = run(["--listen", "127.0.0.1:7001", "--bootstrap"]);
    expect(args.listen.text).toBe("127.0.0.1:7001");
    expect(args.advertise.text).toBe("127.0.0.1:7001");
    expect(args.bootstrap).toBe(true);
    expect(args.transport).toBe("grpc");
    expect(args.peers).toEqual([]);
    expect(args.nodeId).toBeUndefined();
    expect(args.storagePath).toBeUndefined();
  });

  test("a listen address on every interface needs an address to advertise", () => {
    for (const argv of [
      ["--listen", "0.0.0.0:7001", "--bootstrap"],
      ["--listen", "[::]:7001", "--bootstrap"],
    ]) {
      expect(() => run(argv)).toThrow("is no address other nodes can reach: add --advertise");
    }
    // Not told to add the flag it gave.
    expect(() =>
      run(["--listen", "0.0.0.0:7001", "--advertise", "0.0.0.0:7001", "--bootstrap"]),
    ).toThrow(
      "--advertise 0.0.0.0:7001 names every interface, which is no address other nodes can " +
        "reach: give this host's address",
    );
    expect(
      run(["--listen", "0.0.0.0:7001", "-a", "10.0.0.5:7001", "--bootstrap"]).advertise.text,
    ).toBe("10.0.0.5:7001");
  });

  test("every long flag", () => {
    const args = run([
      "--listen=0.0.0.0:7001",
      "--advertise",
      "raftoral-2:7001",
      "--node-id",
      "4",
      "--peers",
      "raftoral-1:7001, 10.0.0.2:7002",
      "--storage-path",
      "/data",
      "--transport",
      "http",
    ]);
    expect(args.listen).toEqual({ host: "0.0.0.0", port: 7001, text: "0.0.0.0:7001" });
    expect(args.advertise.text).toBe("raftoral-2:7001");
    expect(args.nodeId).toBe(4 as never);
    expect(args.peers.map((peer) => peer.text)).toEqual(["raftoral-1:7001", "10.0.0.2:7002"]);
    expect(args.storagePath).toBe("/data");
    expect(args.transport).toBe("http");
    expect(args.bootstrap).toBe(false);
  });

  test("--http-listen is an address other than --listen", () => {
    const args = run([
      "--listen",
      "127.0.0.1:7001",
      "--bootstrap",
      "--http-listen",
      "0.0.0.0:9100",
    ]);
    expect(args.httpListen?.text).toBe("0.0.0.0:9100");
    expect(
      failure(["--listen", "127.0.0.1:7001", "-b", "--http-listen", "127.0.0.1:7001"]),
    ).toContain("--http-listen must differ from --listen");
    expect(failure(["--listen", "127.0.0.1:7001", "-b", "--http-listen", "nowhere"])).toContain(
      "Invalid --http-listen address 'nowhere'",
    );
  });

  test("every short flag", () => {
    const args = run(["-l", "127.0.0.1:7003", "-a", "h:9", "-n", "7", "-s", "d", "-t", "grpc"]);
    expect(args.listen.port).toBe(7003);
    expect(args.advertise.text).toBe("h:9");
    expect(args.nodeId).toBe(7 as never);
    expect(args.storagePath).toBe("d");
    expect(run(["-l", "127.0.0.1:1", "-b"]).bootstrap).toBe(true);
    // With --peers: bootstrap only if none of them is in a cluster yet (start-plan.ts).
    const both = run(["-l", "127.0.0.1:1", "-b", "-p", "127.0.0.1:2"]);
    expect([both.bootstrap, both.peers.map((peer) => peer.text)]).toEqual([true, ["127.0.0.1:2"]]);
    expect(run(["-l", "127.0.0.1:1", "-p", "a:1,b:2"]).peers).toHaveLength(2);
  });

  test("--cors-origin is a comma list of origins", () => {
    const args = run(["-l", "127.0.0.1:1", "-b", "--cors-origin", "https://a.example, http://b:3"]);
    expect(args.corsOrigins).toEqual(["https://a.example", "http://b:3"]);
    expect(run(["-l", "127.0.0.1:1", "-b"]).corsOrigins).toBeUndefined();
  });

  test("a short option's value may follow it in the same word", () => {
    const args = run(["-l127.0.0.1:7004", "-thttp", "-n=7", "-sdata", "-pa:1,b:2"]);
    expect(args.listen.port).toBe(7004);
    expect(args.transport).toBe("http");
    expect(args.nodeId).toBe(7 as never);
    expect(args.storagePath).toBe("data");
    expect(args.peers).toHaveLength(2);
    expect(run(["-bl", "127.0.0.1:1"]).bootstrap).toBe(true);
    expect(failure(["-l127.0.0.1:1", "-tsmtp"])).toContain("smtp");
  });

  test("security options are file paths; nothing is read while parsing", () => {
    expect(run(["-l", "127.0.0.1:1", "-b"]).security).toEqual({ isClientAuth: false });
    const args = run([
      "-l",
      "127.0.0.1:1",
      "-b",
      "--tls-cert",
      "/etc/raftoral/node.pem",
      "--tls-key",
      "/etc/raftoral/node.key",
      "--tls-ca",
      "/etc/raftoral/ca.pem",
      "--tls-client-auth",
      "--cluster-secret-file",
      "/run/secrets/cluster",
      "--client-token-file",
      "/run/secrets/client",
      "--admin-token-file=/run/secrets/admin",
    ]);
    expect(args.security).toEqual({
      tlsCert: "/etc/raftoral/node.pem",
      tlsKey: "/etc/raftoral/node.key",
      tlsCa: "/etc/raftoral/ca.pem",
      isClientAuth: true,
      clusterSecretFile: "/run/secrets/cluster",
      clientTokenFile: "/run/secrets/client",
      adminTokenFile: "/run/secrets/admin",
    });
  });

  test("a secret given as a value is refused without echoing it", () => {
    const message = failure(["-l", "127.0.0.1:1", "--cluster-secret", "hunter2hunter2hunter2"]);
    expect(message).not.toContain("hunter2");
  });

  test("IPv6 addresses in brackets", () => {
    expect(run(["-l", "[::1]:7001", "-b"]).listen).toEqual({
      host: "::1",
      port: 7001,
      text: "[::1]:7001",
    });
    expect(failure(["-l", "::1:7001"])).toContain("brackets");
  });

  test("help and version", () => {
    expect(parseServerArgs(["--help"]).kind).toBe("help");
    expect(parseServerArgs(["-h"]).kind).toBe("help");
    expect(parseServerArgs(["--version"]).kind).toBe("version");
    expect(parseServerArgs(["-V"]).kind).toBe("version");
  });

  test.each([
    [[], "Missing required option --listen"],
    [["--bootstrap"], "Missing required option --listen"],
    [["--listen"], "--listen <ADDRESS> needs a value"],
    [["--listen", "7001"], "Invalid --listen address '7001': expected host:port"],
    [["--listen", "localhost"], "expected host:port"],
    [["--listen", ":7001"], "the host is empty"],
    [["--listen", "127.0.0.1:http"], "port 'http' is not a number"],
    [["--listen", "127.0.0.1:70000"], "port 70000 is out of range; use 1-65535"],
    [["--listen", "127.0.0.1:0"], "port 0 is out of range"],
    [["-l", "127.0.0.1:1", "--advertise", "nohost"], "Invalid --advertise address 'nohost'"],
    [["-l", "127.0.0.1:1", "--peers", "a:1,b"], "Invalid --peers address 'b'"],
    [["-l", "127.0.0.1:1", "--peers", ","], "--peers is empty"],
    [
      ["-l", "127.0.0.1:1", "--peers", "https://10.0.0.1:7001"],
      "https:// is a URL scheme, not part of the address; give host:port, e.g. 127.0.0.1:7001 " +
        "(this node speaks TLS to the others when given --tls-cert, --tls-key and --tls-ca)",
    ],
    [["-l", "http://127.0.0.1:1"], "Invalid --listen address 'http://127.0.0.1:1': http:// is"],
    [
      ["-l", "127.0.0.1:1", "--transport", "udp"],
      "Invalid transport protocol: udp. Must be 'grpc' or 'http'",
    ],
    [
      ["-l", "127.0.0.1:1", "--node-id", "abc"],
      "Invalid node id 'abc': must be a positive integer",
    ],
    [["-l", "127.0.0.1:1", "--node-id", "0"], "Invalid node id '0'"],
    [["-l", "127.0.0.1:1", "--node-id", "-1"], "Invalid node id '-1'"],
    [["-l", "127.0.0.1:1", "--node-id", "1.5"], "Invalid node id '1.5'"],
    [["-l", "127.0.0.1:1", "-l", "127.0.0.1:2"], "given more than once"],
    [["-l", "127.0.0.1:1", "--storage-path", ""], "--storage-path"],
    [["-l", "127.0.0.1:1", "--verbose"], "Unknown option --verbose"],
    [["-l", "127.0.0.1:1", "-x"], "Unknown option -x"],
    [["-l", "127.0.0.1:1"], "nothing to do: start the first node with --bootstrap"],
    [["-l", "127.0.0.1:1", "start"], "Unexpected argument 'start'"],
    [["--version", "extra"], "Unexpected argument 'extra'"],
    [["strat"], "Unknown command 'strat'. The commands are workflow, cluster, node"],
    [["workflw", "run", "x"], "Unknown command 'workflw'; did you mean 'workflow'?"],
    [["Cluster", "status"], "did you mean 'cluster'?"],
    [["-l", "127.0.0.1:1", "--bootstrap=yes"], "--bootstrap takes no value (got 'yes')"],
    [["-l", "127.0.0.1:1", "--tls-cert", "n.pem"], "--tls-cert and --tls-key go together"],
    [["-l", "127.0.0.1:1", "--tls-key", "n.key"], "--tls-cert and --tls-key go together"],
    [["-l", "127.0.0.1:1", "--tls-ca", "ca.pem"], "--tls-ca needs --tls-cert and --tls-key"],
    [
      ["-l", "127.0.0.1:1", "--tls-cert", "n.pem", "--tls-key", "n.key", "--tls-client-auth"],
      "--tls-client-auth needs --tls-ca",
    ],
    [["-l", "127.0.0.1:1", "--tls-client-auth=yes"], "--tls-client-auth takes no value"],
    [["-l", "127.0.0.1:1", "--cluster-secret-file", ""], "--cluster-secret-file must not be empty"],
    [
      ["-l", "127.0.0.1:1", "--cluster-secret", "hunter2hunter2hunter2"],
      "--cluster-secret does not exist: a secret on the command line is visible to every user",
    ],
    [["-l", "127.0.0.1:1", "--client-token", "abc"], "give --client-token-file <PATH>"],
  ])("rejects %p", (argv, message) => {
    expect(failure(argv)).toContain(message);
  });
});

test("number-like values keep their exact text", () => {
  expect(run(["-l", "127.0.0.1:1", "--storage-path", "0123"]).storagePath).toBe("0123");
  expect(run(["-l", "127.0.0.1:1", "-s", "1e3"]).storagePath).toBe("1e3");
  expect(run(["-l", "127.0.0.1:1", "--storage-path=007"]).storagePath).toBe("007");
  expect(run(["-l", "127.0.0.1:1", "-b", "-n", "0012"]).nodeId).toBe(12 as never);
});
