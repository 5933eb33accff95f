// The gateway for client requests over HTTP: turns a parsed JSON body or a query string into
// the NodeApi request, checking each field's presence and type. Semantic checks (does the
// workflow exist, is the cluster id a known group) belong to the API behind NodeApi.

import {
  checkJsonDepth,
  fieldReaders,
  type GroupId,
  groupId,
  InvalidArgumentError,
  type JsonValue,
  type NodeId,
  nodeId,
} from "../../lib/index.ts";
import {
  clusterHint,
  type DescribeWorkflowRequest,
  type RecoverRequest,
  type RegisterRequest,
  requiredText,
  type SignalWorkflowRequest,
  type StartWorkflowRequest,
  WAIT_TIMEOUT_SECONDS_DEFAULT,
  WAIT_TIMEOUT_SECONDS_MAX,
  type WaitWorkflowRequest,
} from "../index.ts";

export type Fields = Readonly<Record<string, unknown>>;

export function objectBody(body: unknown, example: string): Fields {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new InvalidArgumentError(`the body must be a JSON object such as ${example}`);
  }
  return body as Fields;
}

const EXECUTE_EXAMPLE = `{"name": "ping_pong", "version": 1, "input": "\\"ping\\""}`;

/** The workflows' VERSION_MAX (src/workflow/definition.ts): versions are positive int32s. */
const VERSION_MAX = 2 ** 31 - 1;

/**
 * POST /workflow/execute: `{name, version, input, execution_cluster_id?, workflow_id?}`. `input` is the input as JSON text
 * ("\"ping\""), as in the QUICKSTART; any other JSON value (a number, an object, null) is
 * taken as the input value itself and serialized to JSON text here.
 */
export function parseExecuteRequest(body: unknown): StartWorkflowRequest {
  const fields = objectBody(body, EXECUTE_EXAMPLE);
  const workflowType = requiredText(fields.name, "name", 'the workflow type, e.g. "ping_pong"');
  const version = fields.version;
  if (
    typeof version !== "number" ||
    !Number.isInteger(version) ||
    version < 1 ||
    version > VERSION_MAX
  ) {
    throw new InvalidArgumentError(
      `field 'version' must be an integer from 1 to ${VERSION_MAX}, such as 1 (got ${describe(version)})`,
    );
  }
  if (!("input" in fields)) {
    throw new InvalidArgumentError(
      `field 'input' is missing: send the input as JSON text, e.g. ${EXECUTE_EXAMPLE} ` +
        `(use "input": null for a workflow without input)`,
    );
  }
  const workflowId = optionalText(fields, "workflow_id", "order-1234");
  return {
    workflowType,
    version,
    input: jsonOf(fields.input),
    ...optionalClusterId(fields),
    // Its syntax (length, characters) is the node's to check, as over gRPC.
    ...(workflowId === undefined ? {} : { workflowId }),
  };
}

/**
 * POST /workflow/run: /workflow/execute's fields, plus `timeout_seconds` (a whole number, or
 * its decimal text), how long to wait for the result, with the rules of /workflow/wait's.
 */
export function parseRunRequest(body: unknown): {
  readonly start: StartWorkflowRequest;
  readonly timeoutSeconds: number;
} {
  const start = parseExecuteRequest(body);
  const timeout = (body as Fields).timeout_seconds;
  if (timeout !== undefined && typeof timeout !== "number" && typeof timeout !== "string") {
    throw new InvalidArgumentError(
      `field 'timeout_seconds' must be a whole number of seconds, e.g. 30 (got ${describe(timeout)})`,
    );
  }
  return {
    start,
    timeoutSeconds: waitTimeout(timeout === undefined ? undefined : String(timeout)),
  };
}

/** `execution_cluster_id`, when given (as decimal text or a number). */
export function optionalClusterId(fields: Fields): { executionClusterId?: GroupId } {
  const cluster = fields.execution_cluster_id;
  if (cluster === undefined || cluster === null) return {};
  if (typeof cluster !== "string" && typeof cluster !== "number") {
    throw new InvalidArgumentError(
      "field 'execution_cluster_id' must be a decimal id such as \"1\" when given",
    );
  }
  return clusterHint(String(cluster), "execution_cluster_id");
}

/** A text field that may be left out (or null); `example` goes into the error. */
export function optionalText(fields: Fields, field: string, example: string): string | undefined {
  const value = fields[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") {
    throw new InvalidArgumentError(
      `field '${field}' must be a string such as "${example}" when given (got ${describe(value)})`,
    );
  }
  return value;
}

/** GET /workflow/describe?workflow_id&execution_cluster_id?. */
export function parseDescribeQuery(
  query: (name: string) => string | undefined,
): DescribeWorkflowRequest {
  const workflowId = requiredText(query("workflow_id"), "workflow_id", "the workflow to describe");
  return { workflowId, ...clusterHint(query("execution_cluster_id"), "execution_cluster_id") };
}

const SIGNAL_EXAMPLE = `{"workflow_id": "order-1", "name": "paid", "payload": {"amount": 12}}`;

/**
 * POST /workflow/signal: `{workflow_id, name, payload?, execution_cluster_id?, event_id?}`.
 * `payload` follows the rules of `input` at /workflow/execute; absent, it is null.
 */
export function parseSignalRequest(body: unknown): SignalWorkflowRequest {
  const fields = objectBody(body, SIGNAL_EXAMPLE);
  const workflowId = requiredText(fields.workflow_id, "workflow_id", "the workflow to send it to");
  const name = requiredText(
    fields.name,
    "name",
    'the event name the workflow waits for, e.g. "paid"',
  );
  const eventId = optionalText(fields, "event_id", "payment-77");
  return {
    workflowId,
    name,
    payload: fields.payload === undefined ? null : jsonOf(fields.payload, "payload"),
    ...optionalClusterId(fields),
    ...(eventId === undefined ? {} : { eventId }),
  };
}

/**
 * `input` (or `payload`) as the body gave it: JSON text, which is parsed, or any other JSON
 * value, taken as it is (the body came from JSON.parse, so it holds nothing else).
 */
function jsonOf(input: unknown, field = "input"): JsonValue {
  // Before anything walks it recursively, which would overflow the stack on an absurd depth.
  checkJsonDepth(input, `field '${field}'`);
  if (typeof input !== "string") return input as JsonValue;
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(input) as JsonValue;
  } catch (error) {
    throw new InvalidArgumentError(
      `field '${field}' must be JSON text, and ${describe(input)} is not valid JSON; to pass a ` +
        `string, quote it inside the text, e.g. "${field}": "\\"ping\\""`,
      { cause: error },
    );
  }
  return checkJsonDepth(parsed, `field '${field}'`);
}

/**
 * POST /discovery/register: `{node_id?, address, workflow_fingerprint?, instance_id?,
 * rules_version?, security_profile?}`; a missing or 0 node_id asks for a new id, a missing
 * fingerprint skips the workflow-set check, a missing profile the security check.
 */
export function parseRegisterRequest(body: unknown): RegisterRequest {
  const fields = objectBody(body, `{"address": "10.0.0.2:7001"}`);
  const address = requiredText(fields.address, "address", 'the joining node\'s "host:port"');
  const fingerprint = fields.workflow_fingerprint;
  if (fingerprint !== undefined && fingerprint !== null && typeof fingerprint !== "string") {
    throw new InvalidArgumentError("field 'workflow_fingerprint' must be a string when given");
  }
  // "" counts as left out, as over gRPC.
  const instance = optionalText(fields, "instance_id", "3f2a…") || undefined;
  const profile = optionalText(fields, "security_profile", "mtls=1;client=-;admin=-") || undefined;
  const rules = fields.rules_version;
  if (
    rules !== undefined &&
    rules !== null &&
    !(Number.isSafeInteger(rules) && (rules as number) >= 0)
  ) {
    throw new InvalidArgumentError("field 'rules_version' must be a whole number when given");
  }
  return {
    nodeId: optionalNodeId(fields.node_id),
    address,
    ...(typeof fingerprint === "string" && fingerprint !== ""
      ? { workflowFingerprint: fingerprint }
      : {}),
    ...(instance === undefined ? {} : { instanceId: instance }),
    ...(typeof rules === "number" && rules > 0 ? { rulesVersion: rules } : {}),
    ...(profile === undefined ? {} : { securityProfile: profile }),
  };
}

function optionalNodeId(value: unknown): NodeId {
  if (value === undefined || value === null) return nodeId(0);
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(
      `field 'node_id' must be a non-negative integer, or be left out to get a new id ` +
        `(got ${describe(value)})`,
    );
  }
  return nodeId(value);
}

/**
 * GET /workflow/wait?workflow_id&execution_cluster_id?&timeout_seconds. A missing or 0
 * timeout_seconds waits WAIT_TIMEOUT_SECONDS_DEFAULT, as over gRPC (where 0 means unset).
 */
export function parseWaitQuery(query: (name: string) => string | undefined): WaitWorkflowRequest {
  const workflowId = requiredText(
    query("workflow_id"),
    "workflow_id",
    "the id /workflow/execute returned",
  );
  return {
    workflowId,
    // Absent or empty: the node finds the workflow's execution cluster itself.
    ...clusterHint(query("execution_cluster_id"), "execution_cluster_id"),
    timeoutSeconds: waitTimeout(query("timeout_seconds")),
  };
}

function waitTimeout(text: string | undefined): number {
  if (text === undefined || text === "") return WAIT_TIMEOUT_SECONDS_DEFAULT;
  // Any number of digits: a long one is too many seconds, not something else than seconds.
  if (!/^\d+$/.test(text)) {
    throw new InvalidArgumentError(
      `timeout_seconds must be a whole number of seconds, e.g. 30 (got '${text}')`,
    );
  }
  const seconds = Number(text);
  if (seconds > WAIT_TIMEOUT_SECONDS_MAX) {
    throw new InvalidArgumentError(
      `timeout_seconds must be at most ${WAIT_TIMEOUT_SECONDS_MAX} (got ${text}); ` +
        `wait again if the workflow is still running`,
    );
  }
  return seconds === 0 ? WAIT_TIMEOUT_SECONDS_DEFAULT : seconds;
}

export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

const read = fieldReaders(
  (path, problem) => new InvalidArgumentError(`field '${path}' ${problem}`),
);
/** Groups one recover request may name. */
const RECOVER_GROUPS_MAX = 1_000;
/** The fields of a recover request; any other is refused. */
const RECOVER_FIELDS: ReadonlySet<string> = new Set(["cluster_ids", "dry_run"]);

/**
 * POST /cluster/recover: `{cluster_ids?, dry_run?}`. `cluster_ids` lists group ids (0 = the
 * management group); absent or empty means every group the node hosts that lost its leader.
 */
export function parseRecoverRequest(body: unknown): RecoverRequest {
  const fields = objectBody(body, `{"cluster_ids": [1], "dry_run": true}`);
  // A misspelt field is refused, not ignored: without dry_run the recovery is done for real.
  const unknown = Object.keys(fields).find((key) => !RECOVER_FIELDS.has(key));
  if (unknown !== undefined) {
    throw new InvalidArgumentError(
      `field '${unknown}' is not one of cluster_ids, dry_run; nothing was recovered (send {"dry_run": true} to see what would be)`,
    );
  }
  const ids = read.optional(fields.cluster_ids, [], (value) =>
    read
      .list(value, "cluster_ids", RECOVER_GROUPS_MAX)
      .map((id, k) => groupId(read.integer(id, `cluster_ids[${k}]`, { max: 2 ** 32 - 1 }))),
  );
  return {
    ...(ids.length === 0 ? {} : { groupIds: ids }),
    dryRun: read.optional(fields.dry_run, false, (value) => read.boolean(value, "dry_run")),
  };
}
