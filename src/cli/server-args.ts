// Parses and validates the server command line (`raftoral --listen ... [--bootstrap|--peers]`).
// Pure: returns what to do (run, print help or version, or fail with a message); the caller
// does the printing and exiting.

import cac from "cac";
import {
  type Address,
  checkRetention,
  DEFAULT_RETENTION,
  InvalidArgumentError,
  type NodeId,
  nodeId,
  parseAddress,
  type RetentionSetting,
} from "../lib/index.ts";
import { unknownCommandMessage } from "./client-groups.ts";
import { normalizedArgv, valueGivenToFlag } from "./parse-options.ts";
import { retentionFlags } from "./retention-flags.ts";

export type TransportKind = "grpc" | "http";

/** Everything the server command line can say, validated. */
export interface ServerArgs {
  readonly listen: Address;
  /** Where other nodes reach this one; the listen address unless --advertise is given. */
  readonly advertise: Address;
  readonly nodeId?: NodeId;
  readonly peers: readonly Address[];
  readonly bootstrap: boolean;
  readonly storagePath?: string;
  readonly transport: TransportKind;
  /** A second listener for the HTTP API, metrics and the console (never for peers). */
  readonly httpListen?: Address;
  /** A module of workflow definitions to load (besides the built-in ping_pong). */
  readonly workflows?: string;
  /** Files of the security options; read (and checked) by security-files.ts. */
  readonly security: SecurityPaths;
  /** --retain-*: the retention a new cluster starts with (only with --bootstrap). */
  readonly retention?: RetentionSetting;
  /** --cors-origin: origins whose pages may call the HTTP API (checked by the node). */
  readonly corsOrigins?: readonly string[];
}

/** Where the node's certificates, keys, secret and tokens are (files, never values). */
export interface SecurityPaths {
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly tlsCa?: string;
  /** --tls-client-auth: mutual TLS, every caller shows a certificate signed by --tls-ca. */
  readonly isClientAuth: boolean;
  readonly clusterSecretFile?: string;
  readonly clientTokenFile?: string;
  readonly adminTokenFile?: string;
}

export type ServerArgsParse =
  | { kind: "run"; args: ServerArgs }
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "error"; message: string };

const OPTIONS = [
  ["-l, --listen <ADDRESS>", "listen"],
  ["-a, --advertise <ADDRESS>", "advertise"],
  ["-n, --node-id <NODE_ID>", "nodeId"],
  ["-p, --peers <PEERS>", "peers"],
  ["-b, --bootstrap", "bootstrap"],
  ["-s, --storage-path <PATH>", "storagePath"],
  ["-t, --transport <PROTOCOL>", "transport"],
  ["-w, --workflows <PATH>", "workflows"],
  ["--http-listen <ADDRESS>", "httpListen"],
  ["--cors-origin <ORIGINS>", "corsOrigin"],
  ["--tls-cert <FILE>", "tlsCert"],
  ["--tls-key <FILE>", "tlsKey"],
  ["--tls-ca <FILE>", "tlsCa"],
  ["--tls-client-auth", "tlsClientAuth"],
  ["--cluster-secret-file <PATH>", "clusterSecretFile"],
  ["--client-token-file <PATH>", "clientTokenFile"],
  ["--admin-token-file <PATH>", "adminTokenFile"],
  ["--retain-finished <COUNT>", "retainFinished"],
  ["--retain-for <DURATION>", "retainFor"],
  ["--retain-at-least <DURATION>", "retainAtLeast"],
  ["-h, --help", "help"],
  ["-V, --version", "version"],
] as const;

/** Options people may try that would put a secret in argv: each gets its own answer. */
const SECRET_VALUE_OPTIONS: ReadonlySet<string> = new Set([
  "clusterSecret",
  "clientToken",
  "adminToken",
]);

const KNOWN_KEYS = new Set<string>([
  "--",
  ...OPTIONS.flatMap(([flags, key]) => [key, ...shortNames(flags)]),
]);

function shortNames(flags: string): string[] {
  const short = /^-(\w),/.exec(flags)?.[1];
  return short === undefined ? [] : [short];
}

/** Parses `argv` (the arguments after the program name). */
export function parseServerArgs(argv: readonly string[]): ServerArgsParse {
  const args = normalizedArgv(
    argv,
    OPTIONS.map(([flags]) => flags),
  );
  const cli = cac("raftoral");
  for (const [flags] of OPTIONS) cli.option(flags, "");
  let options: Record<string, unknown>;
  let positional: readonly (string | number)[];
  try {
    const parsed = cli.parse(["bun", "raftoral", ...args], { run: false });
    options = parsed.options;
    positional = parsed.args;
  } catch (error) {
    // cac throws CACError for malformed option syntax: that is a usage error, not a bug.
    return { kind: "error", message: (error as Error).message };
  }
  if (options.help === true) return { kind: "help" };
  const unknown = Object.keys(options).filter((key) => !KNOWN_KEYS.has(key));
  const secretInArgv = unknown.find((key) => SECRET_VALUE_OPTIONS.has(key));
  if (secretInArgv !== undefined) {
    const flag = `--${kebab(secretInArgv)}`;
    return {
      kind: "error",
      message: `${flag} does not exist: a secret on the command line is visible to every user (ps); write it to a file readable by this user only and give ${flag}-file <PATH>`,
    };
  }
  if (unknown.length > 0) {
    const shown = unknown.map((key) => (key.length === 1 ? `-${key}` : `--${kebab(key)}`));
    return { kind: "error", message: `Unknown option ${shown.join(", ")}; see raftoral --help` };
  }
  const valued = valueGivenToFlag(
    args,
    OPTIONS.map(([flags]) => flags),
  );
  if (valued !== undefined) return { kind: "error", message: valued };
  if (positional.length > 0) {
    const word = String(positional[0]);
    // The server takes no words: a first one was meant as a command; a later one is a value
    // that lost its flag.
    const message =
      args[0] === word
        ? unknownCommandMessage(word)
        : `Unexpected argument '${word}'; see raftoral --help`;
    return { kind: "error", message };
  }
  if (options.version === true) return { kind: "version" };
  try {
    return { kind: "run", args: validate(withRawValues(options, args)) };
  } catch (error) {
    if (error instanceof UsageError) return { kind: "error", message: error.message };
    throw error;
  }
}

class UsageError extends Error {}

/**
 * cac (through mri) turns number-like values into numbers: "" becomes 0 and "0123" becomes
 * 123, which would silently change a storage path. Take each value option's text from argv.
 */
function withRawValues(
  options: Record<string, unknown>,
  argv: readonly string[],
): Record<string, unknown> {
  const result = { ...options };
  for (const [flags, key] of OPTIONS) {
    const names = flags.match(/-{1,2}[\w-]+/g) ?? [];
    if (!flags.includes("<") || typeof result[key] !== "number") continue;
    const raw = lastRawValue(argv, names);
    if (raw !== undefined) result[key] = raw;
  }
  return result;
}

function lastRawValue(argv: readonly string[], names: readonly string[]): string | undefined {
  let value: string | undefined;
  argv.forEach((token, index) => {
    for (const name of names) {
      if (token === name) value = argv[index + 1];
      else if (token.startsWith(`${name}=`)) value = token.slice(name.length + 1);
    }
  });
  return value;
}

function validate(options: Record<string, unknown>): ServerArgs {
  const listenText = single(options, "listen", "--listen <ADDRESS>");
  if (listenText === undefined) {
    throw new UsageError(
      "Missing required option --listen <ADDRESS>, e.g. raftoral --listen 127.0.0.1:7001 --bootstrap",
    );
  }
  const listen = address(listenText, "--listen");
  const advertiseText = single(options, "advertise", "--advertise <ADDRESS>");
  const advertise = advertiseText === undefined ? listen : address(advertiseText, "--advertise");
  if (isAnyAddress(advertise.host)) {
    // Other nodes would be told to dial 0.0.0.0: each would reach itself, not this node.
    const example = `(e.g. --advertise 10.0.0.5:${listen.port})`;
    throw new UsageError(
      advertiseText === undefined
        ? `--listen ${advertise.text} listens on every interface but is no address other nodes ` +
            `can reach: add --advertise <HOST:PORT>, the address they should use ${example}`
        : `--advertise ${advertise.text} names every interface, which is no address other ` +
            `nodes can reach: give this host's address, the one they should use ${example}`,
    );
  }
  const peersText = single(options, "peers", "--peers <PEERS>");
  const peers = peersText === undefined ? [] : parsePeers(peersText);
  const bootstrap = flag(options, "bootstrap", "--bootstrap");
  const transport = parseTransport(
    single(options, "transport", "--transport <PROTOCOL>") ?? "grpc",
  );
  const nodeIdText = single(options, "nodeId", "--node-id <NODE_ID>");
  const storagePath = single(options, "storagePath", "--storage-path <PATH>");
  if (storagePath === "") throw new UsageError("--storage-path must not be empty");
  const workflows = single(options, "workflows", "--workflows <PATH>");
  if (workflows === "") throw new UsageError("--workflows must not be empty");
  const httpText = single(options, "httpListen", "--http-listen <ADDRESS>");
  const httpListen = httpText === undefined ? undefined : address(httpText, "--http-listen");
  if (httpListen !== undefined && httpListen.text === listen.text) {
    throw new UsageError("--http-listen must differ from --listen: it is a second listener");
  }
  const security = securityPaths(options);
  const corsText = single(options, "corsOrigin", "--cors-origin <ORIGINS>");
  const corsOrigins = corsText?.split(",").map((origin) => origin.trim());
  const retention = retentionOf(options, bootstrap);
  const nodeId = nodeIdText === undefined ? undefined : parseNodeId(nodeIdText);
  if (!bootstrap && peers.length === 0 && storagePath === undefined) {
    throw new UsageError(
      "nothing to do: start the first node with --bootstrap, the others with --peers <ADDRESS>, " +
        "or give the --storage-path of an existing node to resume it",
    );
  }
  return {
    listen,
    advertise,
    peers,
    bootstrap,
    transport,
    security,
    ...(nodeId === undefined ? {} : { nodeId }),
    ...(storagePath === undefined ? {} : { storagePath }),
    ...(workflows === undefined ? {} : { workflows }),
    ...(httpListen === undefined ? {} : { httpListen }),
    ...(retention === undefined ? {} : { retention }),
    ...(corsOrigins === undefined ? {} : { corsOrigins }),
  };
}

/**
 * The --retain-* options over DEFAULT_RETENTION; undefined when none is given. Only the node
 * that creates the cluster records them: the setting lives in the cluster, the same for
 * every node, and changes through `raftoral cluster retention`.
 */
function retentionOf(
  options: Record<string, unknown>,
  bootstrap: boolean,
): RetentionSetting | undefined {
  const given = (key: string, name: string) => {
    const value = single(options, key, `${name} <VALUE>`);
    return value === undefined ? undefined : { text: value, name };
  };
  const texts = {
    count: given("retainFinished", "--retain-finished"),
    forText: given("retainFor", "--retain-for"),
    atLeast: given("retainAtLeast", "--retain-at-least"),
  };
  const first = texts.count ?? texts.forText ?? texts.atLeast;
  if (first === undefined) return undefined;
  if (!bootstrap) {
    throw new UsageError(
      `${first.name} only applies with --bootstrap: retention is a setting of the whole ` +
        "cluster, recorded when it is created; change it later with 'raftoral cluster retention'",
    );
  }
  try {
    return checkRetention({ ...DEFAULT_RETENTION, ...retentionFlags(texts) });
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new UsageError(error.message);
    throw error;
  }
}

function securityPaths(options: Record<string, unknown>): SecurityPaths {
  const path = (key: string, usage: string): Record<string, string> => {
    const value = single(options, key, usage);
    if (value === "") throw new UsageError(`${usage.split(" ")[0]} must not be empty`);
    return value === undefined ? {} : { [key]: value };
  };
  const paths: SecurityPaths = {
    ...path("tlsCert", "--tls-cert <FILE>"),
    ...path("tlsKey", "--tls-key <FILE>"),
    ...path("tlsCa", "--tls-ca <FILE>"),
    isClientAuth: flag(options, "tlsClientAuth", "--tls-client-auth"),
    ...path("clusterSecretFile", "--cluster-secret-file <PATH>"),
    ...path("clientTokenFile", "--client-token-file <PATH>"),
    ...path("adminTokenFile", "--admin-token-file <PATH>"),
  };
  if ((paths.tlsCert === undefined) !== (paths.tlsKey === undefined)) {
    throw new UsageError("--tls-cert and --tls-key go together: give the certificate and its key");
  }
  if (paths.tlsCa !== undefined && paths.tlsCert === undefined) {
    throw new UsageError(
      "--tls-ca needs --tls-cert and --tls-key: the node serves TLS with its own certificate",
    );
  }
  if (paths.isClientAuth && paths.tlsCa === undefined) {
    throw new UsageError(
      "--tls-client-auth needs --tls-ca: the CA that signed the certificates callers must show",
    );
  }
  return paths;
}

function single(options: Record<string, unknown>, key: string, usage: string): string | undefined {
  const value = options[key];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw new UsageError(`${usage} was given more than once; give it once`);
  if (value === true || value === false) throw new UsageError(`${usage} needs a value`);
  return String(value);
}

function flag(options: Record<string, unknown>, key: string, usage: string): boolean {
  const value = options[key];
  if (value === undefined || value === false) return false;
  if (value === true) return true;
  if (Array.isArray(value)) return value.every((item) => item === true);
  throw new UsageError(`${usage} takes no value (got '${String(value)}')`);
}

function address(text: string, option: string): Address {
  const parsed = parseAddress(text);
  if (!parsed.ok) {
    // A node's TLS is its own settings', for every node it reaches: no address carries it.
    const tls = /^(https|grpcs):\/\//i.test(text.trim())
      ? " (this node speaks TLS to the others when given --tls-cert, --tls-key and --tls-ca)"
      : "";
    throw new UsageError(`Invalid ${option} address '${text}': ${parsed.problem}${tls}`);
  }
  return parsed.address;
}

function parsePeers(text: string): Address[] {
  const items = text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
  if (items.length === 0) {
    throw new UsageError("--peers is empty; give host:port addresses separated by commas");
  }
  return items.map((item) => address(item, "--peers"));
}

function parseTransport(text: string): TransportKind {
  if (text === "grpc" || text === "http") return text;
  throw new UsageError(`Invalid transport protocol: ${text}. Must be 'grpc' or 'http'`);
}

function parseNodeId(text: string): NodeId {
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`Invalid node id '${text}': must be a positive integer, e.g. --node-id 1`);
  }
  return nodeId(Number(text));
}

function kebab(camel: string): string {
  return camel.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** 0.0.0.0 or ::, which a server binds to listen on every interface. */
function isAnyAddress(host: string): boolean {
  return host === "0.0.0.0" || host === "::" || host === "[::]";
}
