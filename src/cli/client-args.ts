// Parses and validates the client subcommands (`raftoral workflow run ...`, `raftoral cluster
// status`, `raftoral node leave|health`). Pure: returns the command, a help text, or what is
// wrong; the caller prints and exits.

import { parseNodeTargets, schemeOf } from "../client/index.ts";
import { RaftoralError } from "../lib/index.ts";
import { VERSION_MAX } from "../workflow/index.ts";
import type { ClientCommand, Connection } from "./client-command.ts";
import { meantWord } from "./client-groups.ts";
import {
  CLUSTER_HELP,
  CLUSTER_RECOVER_HELP,
  CLUSTER_RETENTION_HELP,
  CLUSTER_STATUS_HELP,
  NODE_HEALTH_HELP,
  NODE_HELP,
  NODE_LEAVE_HELP,
  WORKFLOW_CANCEL_HELP,
  WORKFLOW_DESCRIBE_HELP,
  WORKFLOW_HELP,
  WORKFLOW_LIST_HELP,
  WORKFLOW_RUN_HELP,
  WORKFLOW_SIGNAL_HELP,
  WORKFLOW_TERMINATE_HELP,
  WORKFLOW_WAIT_HELP,
} from "./client-help.ts";
import { parseJsonArgument } from "./json-argument.ts";
import { LIST_OPTION_SPECS, parseListFilter } from "./list-args.ts";
import type { ClientSecurityPaths } from "./load-security.ts";
import { type OptionSpec, parseOptions } from "./parse-options.ts";
import { retentionFlags } from "./retention-flags.ts";
import type { TransportKind } from "./server-args.ts";

export type { ClientCommand, Connection } from "./client-command.ts";

export type ClientArgsParse =
  | { readonly kind: "command"; readonly command: ClientCommand }
  | { readonly kind: "help"; readonly text: string }
  | { readonly kind: "error"; readonly message: string };

export { CLIENT_GROUPS } from "./client-groups.ts";

export const DEFAULT_ADDRESS = "127.0.0.1:7001";
/** The environment variable that replaces DEFAULT_ADDRESS. */
export const ADDRESS_ENV = "RAFTORAL_ADDRESS";
/** The largest execution cluster id the client takes (ids are handed out from 1 up). */
const CLUSTER_ID_MAX = 2 ** 32 - 1;

const CONNECTION_SPECS: readonly OptionSpec[] = [
  { flags: "-a, --address <ADDRESS>", key: "address" },
  { flags: "-t, --transport <PROTOCOL>", key: "transport" },
  { flags: "--timeout <SECONDS>", key: "timeout" },
  { flags: "--tls-ca <FILE>", key: "tlsCa" },
  { flags: "--tls-cert <FILE>", key: "tlsCert" },
  { flags: "--tls-key <FILE>", key: "tlsKey" },
  { flags: "--token-file <PATH>", key: "tokenFile" },
  { flags: "--json", key: "json" },
  { flags: "-h, --help", key: "help" },
];

interface CommandSpec {
  readonly help: string;
  readonly specs: readonly OptionSpec[];
  readonly build: (parsed: Parsed) => ClientCommand;
}

interface Parsed {
  readonly options: Readonly<Record<string, unknown>>;
  readonly positional: readonly string[];
  readonly connection: Connection;
}

const COMMANDS: ReadonlyMap<string, CommandSpec> = new Map<string, CommandSpec>([
  [
    "workflow run",
    {
      help: WORKFLOW_RUN_HELP,
      specs: [
        { flags: "-i, --input <JSON>", key: "input" },
        { flags: "--version <N>", key: "version" },
        { flags: "--cluster <ID>", key: "cluster" },
        { flags: "--workflow-id <ID>", key: "workflowId" },
        // No -w: on the server it means --workflows, and one letter should not mean two things.
        { flags: "--wait", key: "wait" },
      ],
      build: buildRun,
    },
  ],
  [
    "workflow wait",
    {
      help: WORKFLOW_WAIT_HELP,
      specs: [{ flags: "--cluster <ID>", key: "cluster" }],
      build: buildWait,
    },
  ],
  [
    "workflow signal",
    {
      help: WORKFLOW_SIGNAL_HELP,
      specs: [
        { flags: "-p, --payload <JSON>", key: "payload" },
        { flags: "--cluster <ID>", key: "cluster" },
        { flags: "--event-id <ID>", key: "eventId" },
      ],
      build: buildSignal,
    },
  ],
  [
    "workflow describe",
    {
      help: WORKFLOW_DESCRIBE_HELP,
      specs: [{ flags: "--cluster <ID>", key: "cluster" }],
      build: buildDescribe,
    },
  ],
  [
    "workflow list",
    {
      help: WORKFLOW_LIST_HELP,
      specs: LIST_OPTION_SPECS,
      build: (parsed) => {
        noPositional(parsed.positional);
        const filter = parseListFilter(parsed.options);
        return { kind: "workflow-list", filter, connection: parsed.connection };
      },
    },
  ],
  ["workflow cancel", stopCommand(WORKFLOW_CANCEL_HELP, "workflow-cancel")],
  ["workflow terminate", stopCommand(WORKFLOW_TERMINATE_HELP, "workflow-terminate")],
  ["cluster status", simple(CLUSTER_STATUS_HELP, "cluster-status")],
  [
    "cluster recover",
    {
      help: CLUSTER_RECOVER_HELP,
      specs: [
        { flags: "--cluster <ID>", key: "cluster" },
        { flags: "--force", key: "force" },
      ],
      build: buildRecover,
    },
  ],
  [
    "cluster retention",
    {
      help: CLUSTER_RETENTION_HELP,
      specs: [
        { flags: "--count <N>", key: "count" },
        { flags: "--for <DURATION>", key: "for" },
        { flags: "--at-least <DURATION>", key: "atLeast" },
      ],
      build: buildRetention,
    },
  ],
  ["node leave", simple(NODE_LEAVE_HELP, "node-leave")],
  ["node health", simple(NODE_HEALTH_HELP, "node-health")],
]);

/** Every client command, as typed ("workflow run"); the node's --help lists each. */
export const CLIENT_COMMANDS: readonly string[] = [...COMMANDS.keys()];

const GROUP_HELP: ReadonlyMap<string, string> = new Map([
  ["workflow", WORKFLOW_HELP],
  ["cluster", CLUSTER_HELP],
  ["node", NODE_HELP],
]);

/** Parses `argv`, whose first word is one of CLIENT_GROUPS. */
/**
 * Parses a client subcommand's arguments. RAFTORAL_ADDRESS in `env` replaces the default
 * --address (a container's health check, a shell set up for one cluster).
 */
export function parseClientArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): ClientArgsParse {
  const [group = "", sub, ...rest] = argv;
  const groupHelp = GROUP_HELP.get(group) ?? "";
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    if (sub === undefined) {
      return { kind: "error", message: `raftoral ${group} needs a command.\n\n${groupHelp}` };
    }
    return { kind: "help", text: groupHelp };
  }
  const command = COMMANDS.get(`${group} ${sub}`);
  if (command === undefined) {
    const subs = [...COMMANDS.keys()].filter((key) => key.startsWith(`${group} `));
    const meant = meantWord(`${group} ${sub}`, subs);
    const guess = meant === undefined ? "" : `; did you mean 'raftoral ${meant}'?`;
    const message = `unknown command: raftoral ${group} ${sub}${guess}\n\n${groupHelp}`;
    return { kind: "error", message };
  }
  const name = `${group} ${sub}`;
  const parsed = parseOptions(rest, [...command.specs, ...CONNECTION_SPECS], name);
  if (!parsed.ok) return { kind: "error", message: parsed.message };
  if (parsed.options.help === true) return { kind: "help", text: command.help };
  try {
    const connection = connectionOf(parsed.options, env[ADDRESS_ENV] || DEFAULT_ADDRESS);
    return { kind: "command", command: command.build({ ...parsed, connection }) };
  } catch (error) {
    if (error instanceof RaftoralError && error.code === "INVALID_ARGUMENT") {
      return { kind: "error", message: `${error.message}; see raftoral ${name} --help` };
    }
    throw error;
  }
}

function simple(help: string, kind: "cluster-status" | "node-leave" | "node-health"): CommandSpec {
  return {
    help,
    specs: [],
    build: (parsed) => {
      noPositional(parsed.positional);
      return { kind, connection: parsed.connection };
    },
  };
}

function buildRun(parsed: Parsed): ClientCommand {
  const [name, ...extra] = parsed.positional;
  if (name === undefined || name === "") usage("the workflow NAME is missing, e.g. ping_pong");
  noPositional(extra, `: a workflow's input goes with --input, e.g. --input '"ping"'`);
  const inputText = text(parsed.options, "input", "--input <JSON>") ?? "null";
  const versionText = text(parsed.options, "version", "--version <N>") ?? "1";
  const cluster = text(parsed.options, "cluster", "--cluster <ID>");
  const workflowId = text(parsed.options, "workflowId", "--workflow-id <ID>");
  if (workflowId === "") usage("--workflow-id needs a value, e.g. --workflow-id order-1234");
  return {
    kind: "workflow-run",
    name,
    input: parseJsonArgument(inputText, "--input"),
    version: parseCount(versionText, "--version", 1, VERSION_MAX),
    ...(cluster === undefined ? {} : { cluster: clusterOf(cluster) }),
    ...(workflowId === undefined ? {} : { workflowId }),
    wait: flag(parsed.options, "wait", "--wait"),
    connection: parsed.connection,
  };
}

function buildWait(parsed: Parsed): ClientCommand {
  const [workflowId, ...extra] = parsed.positional;
  if (workflowId === undefined || workflowId === "") {
    usage("the WORKFLOW_ID is missing (workflow run prints it)");
  }
  noPositional(extra);
  const cluster = text(parsed.options, "cluster", "--cluster <ID>");
  return {
    kind: "workflow-wait",
    workflowId,
    ...(cluster === undefined ? {} : { cluster: clusterOf(cluster) }),
    connection: parsed.connection,
  };
}

function buildDescribe(parsed: Parsed): ClientCommand {
  const [workflowId, ...extra] = parsed.positional;
  if (workflowId === undefined || workflowId === "") {
    usage("the WORKFLOW_ID is missing, e.g. raftoral workflow describe order-1");
  }
  noPositional(extra);
  const cluster = text(parsed.options, "cluster", "--cluster <ID>");
  return {
    kind: "workflow-describe",
    workflowId,
    ...(cluster === undefined ? {} : { cluster: clusterOf(cluster) }),
    connection: parsed.connection,
  };
}

function buildSignal(parsed: Parsed): ClientCommand {
  const [workflowId, name, ...extra] = parsed.positional;
  if (workflowId === undefined || workflowId === "") {
    usage("the WORKFLOW_ID is missing, e.g. raftoral workflow signal order-1 paid");
  }
  if (name === undefined || name === "") {
    usage("the event NAME is missing, e.g. raftoral workflow signal order-1 paid");
  }
  noPositional(extra);
  const cluster = text(parsed.options, "cluster", "--cluster <ID>");
  const eventId = text(parsed.options, "eventId", "--event-id <ID>");
  if (eventId === "") usage("--event-id needs a value, e.g. --event-id payment-77");
  return {
    kind: "workflow-signal",
    workflowId,
    name,
    payload: parseJsonArgument(
      text(parsed.options, "payload", "--payload <JSON>") ?? "null",
      "--payload",
    ),
    ...(cluster === undefined ? {} : { cluster: clusterOf(cluster) }),
    ...(eventId === undefined ? {} : { eventId }),
    connection: parsed.connection,
  };
}

function stopCommand(help: string, kind: "workflow-cancel" | "workflow-terminate"): CommandSpec {
  const verb = kind === "workflow-cancel" ? "cancel" : "terminate";
  return {
    help,
    specs: [
      { flags: "--cluster <ID>", key: "cluster" },
      { flags: "--reason <TEXT>", key: "reason" },
    ],
    build: (parsed) => {
      const [workflowId, ...extra] = parsed.positional;
      if (workflowId === undefined || workflowId === "") {
        usage(`the WORKFLOW_ID is missing, e.g. raftoral workflow ${verb} order-1`);
      }
      noPositional(extra);
      const cluster = text(parsed.options, "cluster", "--cluster <ID>");
      const reason = text(parsed.options, "reason", "--reason <TEXT>");
      return {
        kind,
        workflowId,
        ...(cluster === undefined ? {} : { cluster: clusterOf(cluster) }),
        ...(reason === undefined || reason === "" ? {} : { reason }),
        connection: parsed.connection,
      };
    },
  };
}

function buildRecover(parsed: Parsed): ClientCommand {
  noPositional(parsed.positional);
  const clusters = text(parsed.options, "cluster", "--cluster <ID>,...");
  const groupIds = clusters
    ?.split(",")
    .map((item) => parseCount(item.trim(), "--cluster", 0, CLUSTER_ID_MAX));
  return {
    kind: "cluster-recover",
    ...(groupIds === undefined ? {} : { groupIds }),
    force: flag(parsed.options, "force", "--force"),
    connection: parsed.connection,
  };
}

function buildRetention(parsed: Parsed): ClientCommand {
  noPositional(parsed.positional);
  const given = (key: string, name: string) => {
    const value = text(parsed.options, key, `${name} <VALUE>`);
    return value === undefined ? undefined : { text: value, name };
  };
  const change = retentionFlags({
    count: given("count", "--count"),
    forText: given("for", "--for"),
    atLeast: given("atLeast", "--at-least"),
  });
  return { kind: "cluster-retention", change, connection: parsed.connection };
}

function connectionOf(
  options: Readonly<Record<string, unknown>>,
  defaultAddress: string,
): Connection {
  const transportText = text(options, "transport", "--transport <PROTOCOL>");
  if (transportText !== undefined && transportText !== "grpc" && transportText !== "http") {
    usage(`Invalid transport protocol: ${transportText}. Must be 'grpc' or 'http'`);
  }
  const transport: TransportKind = transportText ?? "grpc";
  const security = securityPathsOf(options);
  const addresses = (text(options, "address", "--address <ADDRESS>") ?? defaultAddress)
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
  const isTls = security.tlsCa !== undefined || security.tlsCert !== undefined;
  for (const target of parseNodeTargets(addresses, { transport, isTls })) {
    if (transportText !== undefined && target.transport !== transportText) {
      usage(
        `--transport ${transportText} contradicts the address ${schemeOf(target)}://${target.address}`,
      );
    }
  }
  const timeoutText = text(options, "timeout", "--timeout <SECONDS>");
  const timeoutMs = timeoutText === undefined ? undefined : parseSeconds(timeoutText);
  return {
    addresses,
    transport,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    json: flag(options, "json", "--json"),
    security,
  };
}

function securityPathsOf(options: Readonly<Record<string, unknown>>): ClientSecurityPaths {
  const path = (key: keyof ClientSecurityPaths, name: string) => {
    const value = text(options, key, name);
    if (value === "") usage(`${name.split(" ")[0]} must not be empty`);
    return value === undefined ? {} : { [key]: value };
  };
  const paths: ClientSecurityPaths = {
    ...path("tlsCa", "--tls-ca <FILE>"),
    ...path("tlsCert", "--tls-cert <FILE>"),
    ...path("tlsKey", "--tls-key <FILE>"),
    ...path("tokenFile", "--token-file <PATH>"),
  };
  if ((paths.tlsCert === undefined) !== (paths.tlsKey === undefined)) {
    usage("--tls-cert and --tls-key go together: give the client certificate and its key");
  }
  return paths;
}

function usage(message: string): never {
  throw new RaftoralError("INVALID_ARGUMENT", message);
}

/** `hint` says what the argument was most likely meant as. */
function noPositional(extra: readonly string[], hint = ""): void {
  if (extra.length > 0) usage(`unexpected argument '${extra[0]}'${hint}`);
}

function text(options: Readonly<Record<string, unknown>>, key: string, name: string) {
  const value = options[key];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) usage(`${name} was given more than once; give it once`);
  if (typeof value === "boolean") usage(`${name} needs a value`);
  return String(value);
}

function flag(options: Readonly<Record<string, unknown>>, key: string, name: string): boolean {
  const value = options[key];
  if (value === undefined || value === false) return false;
  if (value === true || (Array.isArray(value) && value.every((item) => item === true))) return true;
  return usage(`${name} takes no value (got '${String(value)}')`);
}

function parseCount(value: string, name: string, min: number, max: number): number {
  const count = Number(value);
  if (!/^\d+$/.test(value) || count < min || count > max) {
    usage(`${name} '${value}' must be a whole number from ${min} to ${max}`);
  }
  return count;
}

/** Execution cluster ids start at 1 (0 is the management group, which runs no workflows). */
function clusterOf(value: string): string {
  return String(parseCount(value, "--cluster", 1, CLUSTER_ID_MAX));
}

function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (value.trim() === "" || !Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
    usage(`--timeout '${value}' must be a number of seconds, more than 0 and at most 3600`);
  }
  return Math.round(seconds * 1000);
}
