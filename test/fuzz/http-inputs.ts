// Client requests for fuzzing the HTTP API of a running node: every route with random and
// mutated JSON, wrong types, huge values, deep nesting, invalid UTF-8, lies about the body's
// length, broken chunking, wrong methods, media types and paths.
//
// Not sent: POST /node/leave (any such request makes the node leave, by design) and valid
// registrations (each adds a node to the membership, by design: there is no authentication).

import type { Random } from "../../src/lib/index.ts";
import { parseRegisterRequest } from "../../src/transport/http/request-fields.ts";
import { mutateJson, randomBytes, randomJson } from "../contracts/fuzz-inputs.ts";
import type { RawHttpRequest } from "./raw-http.ts";

export type HttpInputClass =
  | "execute"
  | "wait"
  | "register"
  | "read-routes"
  | "routing"
  | "framing";

export const HTTP_INPUT_CLASSES: readonly HttpInputClass[] = [
  "execute",
  "wait",
  "register",
  "read-routes",
  "routing",
  "framing",
];

const JSON_TYPE: [string, string] = ["Content-Type", "application/json"];
const CLIENT_BODY_BYTES_MAX = 1024 * 1024;
/** The larger limit, of /raft/message: past it every route refuses from the header alone. */
const PEER_BODY_BYTES_MAX = 64 * 1024 * 1024;
const VALID_EXECUTE = { name: "ping_pong", version: 1, input: '"ping"' };

/** Workflow ids the harness started, so wait requests sometimes name a real one. */
export interface HttpContext {
  readonly workflowIds: readonly string[];
}

export function jsonRequest(
  method: string,
  target: string,
  body: string | Uint8Array,
): RawHttpRequest {
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  return {
    method,
    target,
    headers: [JSON_TYPE, ["Content-Length", String(bytes.byteLength)]],
    body: bytes,
    isComplete: true,
  };
}

/** One request of `kind`, or undefined when the draw is one we never send (see above). */
export function httpInput(
  random: Random,
  kind: HttpInputClass,
  context: HttpContext,
): RawHttpRequest | undefined {
  switch (kind) {
    case "execute":
      return jsonRequest("POST", "/workflow/execute", executeBody(random));
    case "wait":
      return { ...jsonRequest("GET", waitTarget(random, context), ""), headers: [] };
    case "register":
      return registerRequest(random);
    case "read-routes":
      return readRoute(random);
    case "routing":
      return routingRequest(random);
    case "framing":
      return framingRequest(random);
  }
}

function executeBody(random: Random): string | Uint8Array {
  switch (random.int(0, 7)) {
    case 0:
      return JSON.stringify(VALID_EXECUTE);
    case 1:
      return JSON.stringify(mutateJson(random, VALID_EXECUTE));
    case 2:
      return JSON.stringify(randomJson(random, 6));
    case 3:
      return JSON.stringify({
        ...VALID_EXECUTE,
        [random.pick(["name", "version", "input", "execution_cluster_id"])]: wrongValue(random),
      });
    case 4:
      return random.chance(0.5)
        ? `{"name":"ping_pong","version":1,"input":${deepJson(random)}}`
        : JSON.stringify({ ...VALID_EXECUTE, input: deepJson(random) });
    case 5:
      return invalidUtf8(random, JSON.stringify(VALID_EXECUTE));
    default:
      return JSON.stringify({ ...VALID_EXECUTE, input: JSON.stringify(hugeValue(random)) });
  }
}

/** A value of a surprising type or size for any field. */
function wrongValue(random: Random): unknown {
  return random.pick<unknown>([
    null,
    -1,
    1.5,
    2 ** 32,
    2 ** 53,
    1e308,
    "1",
    "",
    "0",
    "-1",
    "99999999999999999999",
    "x".repeat(random.int(1_000, 3_000)),
    "ping_pong\u0000",
    [],
    {},
    [1, 2],
    { name: "ping_pong" },
    true,
    "not json {",
    '"\\ud800"',
  ]);
}

/** Nested arrays and objects, up to 100 000 levels. */
function deepJson(random: Random): string {
  const depth = random.pick([64, 1_000, 20_000, 100_000]);
  return random.chance(0.5)
    ? `${"[".repeat(depth)}${"]".repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
}

function hugeValue(random: Random): unknown {
  const length = random.pick([10_000, 500_000, CLIENT_BODY_BYTES_MAX + 10]);
  return random.chance(0.5) ? "x".repeat(length) : Array.from({ length: length / 10 }, () => 1);
}

/** `text` with bytes that are not UTF-8 spliced in (stray continuation, overlong, surrogate). */
function invalidUtf8(random: Random, text: string): Uint8Array {
  const bytes = Buffer.from(text, "utf8");
  const bad = random.pick([
    [0xff],
    [0xc0, 0xaf],
    [0xed, 0xa0, 0x80],
    [0x80],
    [0xf8, 0x88, 0x80, 0x80, 0x80],
    [0xe2, 0x82],
  ]);
  const at = random.int(0, bytes.byteLength + 1);
  return Buffer.concat([bytes.subarray(0, at), Buffer.from(bad), bytes.subarray(at)]);
}

function waitTarget(random: Random, context: HttpContext): string {
  const id = random.pick([
    ...(context.workflowIds.length > 0 ? [random.pick(context.workflowIds)] : []),
    uuidOf(random),
    "",
    "x".repeat(random.int(1, 3_000)),
    "%ff%fe",
    "%zz",
    "..%2f..",
    "\u00e9",
    String(random.int(0, 1_000_000)),
  ]);
  const group = random.pick(["1", "0", "", "-1", "2", "abc", "1.5", "99999999999999999999", "1e3"]);
  const timeout = random.pick([
    "",
    "0",
    "1",
    "2",
    "-1",
    "1.5",
    "abc",
    "3601",
    "99999999999",
    "1".repeat(40),
  ]);
  const parts = [
    random.chance(0.9) ? `workflow_id=${id}` : "",
    random.chance(0.9) ? `execution_cluster_id=${group}` : "",
    random.chance(0.8) ? `timeout_seconds=${timeout}` : "",
    random.chance(0.1) ? "workflow_id=second" : "",
  ].filter((part) => part !== "");
  return `/workflow/wait?${parts.join("&")}`;
}

/** A random id in the shape of a workflow id (version-4 UUID text), from the seeded source. */
export function uuidOf(random: Random): string {
  const hex = Array.from({ length: 32 }, () => random.int(0, 16).toString(16)).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

function registerRequest(random: Random): RawHttpRequest | undefined {
  const valid = { node_id: 0, address: "127.0.0.1:1", workflow_fingerprint: "x" };
  const body = random.chance(0.5) ? mutateJson(random, valid) : randomJson(random, 5);
  try {
    parseRegisterRequest(body);
    return undefined; // A valid registration would add a node: never sent.
  } catch (error) {
    // Expected: the draw is invalid, which is what the node must refuse.
    void error;
  }
  return jsonRequest("POST", "/discovery/register", JSON.stringify(body));
}

function readRoute(random: Random): RawHttpRequest {
  const path = random.pick(["/discovery/peers", "/health", "/cluster/status"]);
  const query = random.chance(0.5) ? `?${"a=%ff&".repeat(random.int(1, 50))}` : "";
  const body = random.chance(0.3) ? JSON.stringify(randomJson(random)) : "";
  return {
    ...jsonRequest("GET", `${path}${query}`, body),
    headers: body === "" ? [] : jsonRequest("GET", path, body).headers,
  };
}

function routingRequest(random: Random): RawHttpRequest {
  const method = random.pick(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "FOO"]);
  const path = random.pick([
    "/workflow/execute",
    "/workflow/run",
    "/workflow/wait",
    "/raft/message",
    "/discovery/register",
    "/discovery/peers",
    "/health",
    "/cluster/status",
    "/",
    "/workflow",
    "/workflow/execute/extra",
    "//workflow//execute",
    "/%00",
    "/%ff",
    "/..%2f..%2fetc%2fpasswd",
    `/${"a".repeat(random.int(100, 8_000))}`,
  ]);
  // GET /node/leave is a 405; POST would make the node leave.
  const target = random.chance(0.1) ? "/node/leave" : path;
  const usable = target === "/node/leave" && method === "POST" ? "GET" : method;
  return { ...jsonRequest(usable, target, JSON.stringify(randomJson(random, 3))) };
}

/** Requests whose framing or headers are wrong: length lies, chunking, media types. */
function framingRequest(random: Random): RawHttpRequest {
  const body = Buffer.from(JSON.stringify(VALID_EXECUTE));
  const target = random.pick(["/workflow/execute", "/raft/message", "/discovery/register"]);
  const base = { method: "POST", target, body };
  const kind = random.int(0, 7);
  if (kind === 5) return chunkedRequest(random, base);
  if (kind === 6) {
    const type = random.pick(MEDIA_TYPES);
    const headers: [string, string][] = [
      ["Content-Type", type],
      ["Content-Length", String(body.byteLength)],
    ];
    return { ...base, headers, isComplete: true };
  }
  const [length, isComplete] = declaredLength(random, kind, body.byteLength);
  const headers: [string, string][] = [JSON_TYPE, ["Content-Length", length]];
  // Two different lengths: a request smuggling classic; the server must refuse it.
  if (kind === 4) headers.push(["Content-Length", "3"]);
  return { ...base, headers, isComplete };
}

const MEDIA_TYPES = [
  "text/plain",
  "application/json; charset=utf-16",
  "application/jsonx",
  "",
  "application/json\u0001",
  "*/*",
];

/** A Content-Length header value of kind 0-4, and whether the request is finished as sent. */
function declaredLength(random: Random, kind: number, actual: number): [string, boolean] {
  switch (kind) {
    case 0: // Far beyond every limit: refused from the header alone.
      return [
        random.pick([
          "1000000000000000",
          "9999999999999999",
          "18446744073709551616",
          String(PEER_BODY_BYTES_MAX + 1),
        ]),
        true,
      ];
    case 1: // Longer than sent, within the limit: the server waits for the rest.
      return [String(actual + random.int(1, 5_000)), false];
    case 2: // Shorter than sent: the rest looks like the next request.
      return [String(random.int(0, actual)), true];
    case 3:
      return [random.pick(["abc", "-1", "1e3", " 5", "0x10", ""]), true];
    default:
      return [String(actual), true];
  }
}

function chunkedRequest(
  random: Random,
  base: { method: string; target: string; body: Buffer },
): RawHttpRequest {
  const chunk = (bytes: Uint8Array): Buffer =>
    Buffer.concat([
      Buffer.from(`${bytes.byteLength.toString(16)}\r\n`),
      bytes,
      Buffer.from("\r\n"),
    ]);
  // [pieces, whether the request is finished as sent]
  const [pieces, isComplete] = random.pick<[Buffer[], boolean]>([
    [[chunk(base.body), Buffer.from("0\r\n\r\n")], true],
    [[Buffer.from("zz\r\n"), base.body, Buffer.from("\r\n0\r\n\r\n")], true],
    [[Buffer.from("ffffffffffffffff\r\n"), base.body, Buffer.from("\r\n0\r\n\r\n")], false],
    [[chunk(randomBytes(random, 100)), Buffer.from("0\r\n\r\n")], true],
    [[chunk(base.body)], false],
  ]);
  return {
    ...base,
    headers: [JSON_TYPE, ["Transfer-Encoding", "chunked"]],
    body: Buffer.concat(pieces),
    isComplete,
  };
}
