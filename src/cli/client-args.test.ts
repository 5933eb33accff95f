import { describe, expect, test } from "bun:test";
import { CLIENT_COMMANDS, type ClientCommand, parseClientArgs } from "./client-args.ts";
import { SERVER_HELP } from "./server-help.ts";

function command(argv: string[]): ClientCommand {
  const parsed = parseClientArgs(argv);
  if (parsed.kind !== "command")
    throw new Error(`expected a command, got ${JSON.stringify(parsed)}`);
  return parsed.command;
}

function failure(argv: string[]): string {
  const parsed = parseClientArgs(argv);
  if (parsed.kind !== "error") throw new Error(`expected an error, got ${JSON.stringify(parsed)}`);
  return parsed.message;
}

describe("client subcommand lines", () => {
  test("workflow run with defaults and with every option", () => {
    expect(command(["workflow", "run", "ping_pong", "--input", '"ping"'])).toEqual({
      kind: "workflow-run",
      name: "ping_pong",
      input: { value: "ping" },
      version: 1,
      wait: false,
      connection: { addresses: ["127.0.0.1:7001"], transport: "grpc", json: false, security: {} },
    });
    expect(
      command([
        "workflow",
        "run",
        "order",
        "-i",
        '{"id":7}',
        "--version",
        "2",
        "--cluster",
        "3",
        "--wait",
        "-a",
        "10.0.0.1:7001, 10.0.0.2:7001",
        "-t",
        "http",
        "--timeout",
        "1.5",
        "--json",
      ]),
    ).toEqual({
      kind: "workflow-run",
      name: "order",
      input: { value: { id: 7 } },
      version: 2,
      cluster: "3",
      wait: true,
      connection: {
        addresses: ["10.0.0.1:7001", "10.0.0.2:7001"],
        transport: "http",
        timeoutMs: 1500,
        json: true,
        security: {},
      },
    });
  });

  test("number-like ids and inputs keep their exact text", () => {
    const wait = command(["workflow", "wait", "007", "--cluster", "1"]);
    expect(wait).toMatchObject({ kind: "workflow-wait", workflowId: "007", cluster: "1" });
    expect(command(["workflow", "run", "w", "--input", "1e3"])).toMatchObject({
      input: { value: 1000 },
    });
    expect(command(["workflow", "run", "w", "--input", '"0012"'])).toMatchObject({
      input: { value: "0012" },
    });
  });

  test("a negative number is the value of the option before it, not an option", () => {
    expect(command(["workflow", "run", "w", "--input", "-5"])).toMatchObject({
      input: { value: -5 },
    });
    expect(command(["workflow", "run", "w", "--input", "-0.5e1"])).toMatchObject({
      input: { value: -5 },
    });
    const afterSeparator = command(["workflow", "run", "w", "--", "--input", "-5"]);
    expect(afterSeparator).toMatchObject({ input: { value: null } });
  });

  test("@PATH and @- name where the JSON is read when the command runs", () => {
    const fromFile = command(["workflow", "run", "w", "--input", "@order.json"]);
    expect(fromFile).toMatchObject({ input: { path: "order.json" } });
    const fromStdin = command(["workflow", "signal", "w", "paid", "--payload", "@-"]);
    expect(fromStdin).toMatchObject({ payload: { path: "-" } });
    expect(failure(["workflow", "run", "w", "--input", "@"])).toContain(
      "--input @ needs a file after it, e.g. --input @order.json, or --input @- for standard input",
    );
  });

  test("the other commands, and URL schemes for the protocol", () => {
    expect(command(["cluster", "status"]).kind).toBe("cluster-status");
    expect(command(["node", "leave", "--address", "http://127.0.0.1:7003"])).toEqual({
      kind: "node-leave",
      connection: {
        addresses: ["http://127.0.0.1:7003"],
        transport: "grpc",
        json: false,
        security: {},
      },
    });
    expect(command(["node", "health", "--json"]).kind).toBe("node-health");
  });

  test("RAFTORAL_ADDRESS replaces the default address, not a given one", () => {
    const env = { RAFTORAL_ADDRESS: "http://127.0.0.1:8001" };
    const fromEnv = parseClientArgs(["node", "health"], env);
    const given = parseClientArgs(["node", "health", "-a", "127.0.0.1:7005"], env);
    const empty = parseClientArgs(["node", "health"], { RAFTORAL_ADDRESS: "" });
    expect(fromEnv.kind === "command" && fromEnv.command.connection.addresses).toEqual([
      "http://127.0.0.1:8001",
    ]);
    expect(given.kind === "command" && given.command.connection.addresses).toEqual([
      "127.0.0.1:7005",
    ]);
    expect(empty.kind === "command" && empty.command.connection.addresses).toEqual([
      "127.0.0.1:7001",
    ]);
  });

  test("TLS files and a token file, with https:// and grpcs:// addresses", () => {
    expect(
      command([
        "cluster",
        "status",
        "--address",
        "grpcs://10.0.0.1:7001,https://10.0.0.2:8001",
        "--tls-ca",
        "/etc/raftoral/ca.pem",
        "--tls-cert",
        "me.pem",
        "--tls-key",
        "me.key",
        "--token-file",
        "/run/secrets/token",
      ]),
    ).toEqual({
      kind: "cluster-status",
      connection: {
        addresses: ["grpcs://10.0.0.1:7001", "https://10.0.0.2:8001"],
        transport: "grpc",
        json: false,
        security: {
          tlsCa: "/etc/raftoral/ca.pem",
          tlsCert: "me.pem",
          tlsKey: "me.key",
          tokenFile: "/run/secrets/token",
        },
      },
    });
  });

  test("help at every level", () => {
    for (const argv of [
      ["workflow", "--help"],
      ["workflow", "run", "--help"],
      ["workflow", "wait", "-h"],
      ["cluster", "status", "--help"],
      ["node", "help"],
      ["node", "leave", "--help"],
    ]) {
      expect(parseClientArgs(argv).kind).toBe("help");
    }
    const runHelp = parseClientArgs(["workflow", "run", "--help"]);
    expect(runHelp.kind === "help" ? runHelp.text : "").toContain("Exit codes:");
  });

  test("a caller-chosen workflow id keeps its exact text, and wait needs no cluster", () => {
    const run = command(["workflow", "run", "w", "--workflow-id", "0042", "--wait"]);
    expect(run).toMatchObject({ kind: "workflow-run", workflowId: "0042", wait: true });
    const wait = command(["workflow", "wait", "0042"]);
    expect(wait).toMatchObject({ kind: "workflow-wait", workflowId: "0042" });
    expect("cluster" in wait).toBe(false);
  });

  test("workflow describe takes the id and an optional cluster", () => {
    expect(command(["workflow", "describe", "order-1", "--cluster", "2", "--json"])).toMatchObject({
      kind: "workflow-describe",
      workflowId: "order-1",
      cluster: "2",
    });
    expect(failure(["workflow", "describe"])).toContain("the WORKFLOW_ID is missing");
  });

  test("workflow signal takes the id, the name, a JSON payload and an event id", () => {
    const argv = [
      "workflow",
      "signal",
      "order-1",
      "paid",
      "-p",
      '{"amount":12}',
      "--event-id",
      "p-1",
    ];
    expect(command(argv)).toMatchObject({
      kind: "workflow-signal",
      workflowId: "order-1",
      name: "paid",
      payload: { value: { amount: 12 } },
      eventId: "p-1",
    });
    expect(command(["workflow", "signal", "w", "n"])).toMatchObject({ payload: { value: null } });
  });

  test.each([["cancel"], ["terminate"]])(
    "workflow %s takes the id, a reason and a cluster",
    (verb) => {
      const argv = ["workflow", verb, "order-1", "--reason", "no longer needed", "--cluster", "2"];
      expect(command([...argv, "--json"])).toMatchObject({
        kind: `workflow-${verb}`,
        workflowId: "order-1",
        reason: "no longer needed",
        cluster: "2",
        connection: { json: true },
      });
      const bare = command(["workflow", verb, "w"]);
      expect(bare).toMatchObject({ kind: `workflow-${verb}`, workflowId: "w" });
      expect("reason" in bare).toBe(false);
      expect("cluster" in bare).toBe(false);
    },
  );

  test.each([
    [["workflow"], "raftoral workflow needs a command"],
    [["workflow", "cancel"], "the WORKFLOW_ID is missing, e.g. raftoral workflow cancel"],
    [["workflow", "terminate", "--reason", "x"], "the WORKFLOW_ID is missing"],
    [["workflow", "cancel", "w", "extra"], "unexpected argument 'extra'"],
    [["workflow", "terminate", "w", "--reason"], "--reason <TEXT> needs a value"],
    [
      ["workflow", "cancel", "w", "--cluster", "0"],
      "--cluster '0' must be a whole number from 1 to",
    ],
    [["workflow", "signal"], "the WORKFLOW_ID is missing"],
    [["workflow", "signal", "w"], "the event NAME is missing"],
    [["workflow", "signal", "w", "n", "--payload", "x"], "--payload 'x' is not JSON"],
    [["workflow", "signal", "w", "n", "--event-id", ""], "--event-id needs a value"],
    [["workflow", "start"], "unknown command: raftoral workflow start"],
    [
      ["workflow", "rn", "x"],
      "unknown command: raftoral workflow rn; did you mean 'raftoral workflow run'?",
    ],
    [["workflow", "run"], "the workflow NAME is missing"],
    [["workflow", "run", "w", "--input", "ping"], "is not JSON; a string needs its quotes"],
    [["workflow", "run", "w", "--input", `${"x".repeat(5_000)}`], `'${"x".repeat(60)}...' is not`],
    [["workflow", "run", "w", "--version", "x"], "--version 'x' must be a whole number from 1 to"],
    [["workflow", "run", "w", "--version", "0"], "--version '0' must be a whole number from 1 to"],
    [["workflow", "run", "w", "--version", "3000000000"], "from 1 to 2147483647"],
    [["workflow", "run", "w", "--cluster", "0"], "--cluster '0' must be a whole number from 1 to"],
    [["workflow", "run", "w", "--cluster", "x"], "--cluster 'x' must be a whole number from 1 to"],
    [["workflow", "run", "w", "--wait=yes"], "--wait takes no value (got 'yes')"],
    [["workflow", "run", "w", "extra"], "unexpected argument 'extra'"],
    [["workflow", "run", "w", '"ping"'], "'\"ping\"': a workflow's input goes with --input"],
    [["workflow", "run", "w", "--workflow-id"], "--workflow-id <ID> needs a value"],
    [["workflow", "run", "w", "--workflow-id", ""], "--workflow-id needs a value, e.g."],
    [["workflow", "run", "w", "--workflow-id", "a", "--workflow-id", "b"], "more than once"],
    [["workflow", "wait", "--cluster", "1"], "the WORKFLOW_ID is missing"],
    [["cluster", "status", "--transport", "udp"], "Invalid transport protocol: udp"],
    [["cluster", "status", "--address", "localhost"], "is not host:port"],
    [["cluster", "status", "--address", "ftp://h:1"], "unsupported scheme ftp://"],
    [
      ["cluster", "status", "-t", "http", "-a", "grpcs://h:1"],
      "contradicts the address grpcs://h:1",
    ],
    [["cluster", "status", "--tls-cert", "c.pem"], "--tls-cert and --tls-key go together"],
    [["cluster", "status", "--token-file", ""], "--token-file must not be empty"],
    [
      ["cluster", "status", "--token", "abc"],
      "--token does not exist: a token on the command line",
    ],
    [["cluster", "status", "-t", "grpc", "-a", "http://h:1"], "--transport grpc contradicts"],
    [["cluster", "status", "--timeout", "0"], "--timeout '0' must be a number of seconds"],
    [["cluster", "status", "--timeout", "-5"], "--timeout '-5' must be a number of seconds"],
    [["workflow", "list", "--limit", "-3"], "--limit '-3' must be a whole number"],
    [["cluster", "status", "--verbose"], "Unknown option --verbose"],
    [["workflow", "run", "ping_pong", "-w"], "Unknown option -w"],
    [["node", "leave", "-a", "h:1", "-a", "h:2"], "given more than once"],
  ])("refuses %p", (argv, message) => {
    expect(failure(argv)).toContain(message);
  });
});

test("the node's --help lists every client command", () => {
  for (const command of CLIENT_COMMANDS) expect(SERVER_HELP).toContain(`  ${command} `);
});
