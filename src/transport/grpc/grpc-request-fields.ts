// The gateway for client requests over gRPC: protobuf already fixed the types, so what is
// left is presence (proto3 sends "" and 0 for unset fields), lengths and the input's JSON
// syntax. The same rules as over HTTP (src/transport/http/request-fields.ts), so both
// transports refuse the same requests.

import {
  checkJsonDepth,
  InvalidArgumentError,
  type JsonValue,
  RaftoralError,
} from "../../lib/index.ts";
import {
  clusterHint,
  requiredText,
  type SignalWorkflowRequest,
  type StartWorkflowRequest,
  WAIT_TIMEOUT_SECONDS_DEFAULT,
  WAIT_TIMEOUT_SECONDS_MAX,
  type WaitWorkflowRequest,
} from "../index.ts";
import type {
  RunWorkflowRequest,
  SignalWorkflowRequest as SignalWorkflowMessage,
  WaitForWorkflowRequest,
} from "./raftoral-messages.ts";

/**
 * RunWorkflowRequest -> StartWorkflowRequest. An empty input_json means the input null;
 * anything else must be JSON text of at most `inputBytesMax` UTF-8 bytes.
 */
export function startRequestOf(
  request: RunWorkflowRequest,
  inputBytesMax: number,
): StartWorkflowRequest {
  const workflowType = requiredText(
    request.workflowType,
    "workflow_type",
    'the workflow type, e.g. "ping_pong"',
  );
  const input = jsonTextField(request.inputJson, "input_json", inputBytesMax);
  // Its syntax is the node's to check, as over HTTP.
  const workflowId = request.workflowId ?? "";
  return {
    workflowType,
    version: request.version,
    input,
    ...clusterHint(request.executionClusterId, "execution_cluster_id"),
    ...(workflowId === "" ? {} : { workflowId }),
  };
}

/**
 * A JSON text field within `bytesMax` UTF-8 bytes, parsed; "" is null. Inputs and event
 * payloads have the same limits.
 */
function jsonTextField(text: string, field: string, bytesMax: number): JsonValue {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > bytesMax) {
    throw new RaftoralError(
      "RESOURCE_EXHAUSTED",
      `field '${field}' is too large (${bytes} bytes; the limit is ${bytesMax})`,
    );
  }
  if (text === "") return null;
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new InvalidArgumentError(
      `field '${field}' must be JSON text; to pass a string, quote it: "\\"ping\\""`,
      { cause: error },
    );
  }
  return checkJsonDepth(value, `field '${field}'`);
}

/** SignalWorkflowRequest -> the NodeApi request; the payload has the limits of an input. */
export function signalRequestOf(
  request: SignalWorkflowMessage,
  payloadBytesMax: number,
): SignalWorkflowRequest {
  return {
    workflowId: requiredText(request.workflowId, "workflow_id", "the workflow to send it to"),
    ...clusterHint(request.executionClusterId, "execution_cluster_id"),
    name: requiredText(request.name, "name", 'the event name the workflow waits for, e.g. "paid"'),
    payload: jsonTextField(request.payloadJson, "payload_json", payloadBytesMax),
    ...(request.eventId === "" ? {} : { eventId: request.eventId }),
  };
}

/** WaitForWorkflowRequest -> WaitWorkflowRequest; timeout_seconds 0 (unset) is the default. */
export function waitRequestOf(request: WaitForWorkflowRequest): WaitWorkflowRequest {
  const workflowId = requiredText(
    request.workflowId,
    "workflow_id",
    "the id RunWorkflowAsync returned",
  );

  if (request.timeoutSeconds > WAIT_TIMEOUT_SECONDS_MAX) {
    throw new InvalidArgumentError(
      `timeout_seconds must be at most ${WAIT_TIMEOUT_SECONDS_MAX} (got ${request.timeoutSeconds}); ` +
        `wait again if the workflow is still running`,
    );
  }
  const timeoutSeconds =
    request.timeoutSeconds === 0 ? WAIT_TIMEOUT_SECONDS_DEFAULT : request.timeoutSeconds;
  return {
    workflowId,
    ...clusterHint(request.executionClusterId, "execution_cluster_id"),
    timeoutSeconds,
  };
}
