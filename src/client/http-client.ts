// ProtocolClient over the HTTP API (the QUICKSTART's JSON endpoints), with fetch, over HTTP or
// HTTPS. The `tls` fetch option (a private CA, a client certificate) is Bun's; on Node, HTTPS
// trusts what Node trusts (NODE_EXTRA_CA_CERTS).

import { type ErrorCode, groupId, logIndex, RaftoralError } from "../lib/index.ts";
import {
  type ClusterStatus,
  type DescribeWorkflowRequest,
  type DiscoveryInfo,
  foundingOf,
  HEALTH_STATUSES,
  type HealthInfo,
  KEEPALIVE_DEFAULT,
  type LeaveResult,
  type ListWorkflowsRequest,
  type ListWorkflowsResult,
  type RecoverRequest,
  type RecoverResult,
  type RegisterRequest,
  type RegisterResult,
  type RetentionInfo,
  type RetentionRequest,
  type SignalWorkflowRequest,
  type SignalWorkflowResult,
  type StartWorkflowRequest,
  type StartWorkflowResult,
  type StopWorkflowRequest,
  type StopWorkflowResult,
  WAIT_TIMEOUT_SECONDS_MAX,
  type WaitWorkflowRequest,
  type WorkflowDescriptionInfo,
  type WorkflowOutcome,
} from "../transport/index.ts";
import {
  clusterStatusOf,
  describedOf,
  idOf,
  idsOf,
  type Json,
  listOf,
  outcomeOf,
  strangenessOf,
} from "./http-answers.ts";
import { fetchFailure } from "./http-fetch-failure.ts";
import { probeHealth } from "./http-health-probe.ts";
import { HttpLiveness } from "./http-liveness.ts";
import { clusterParam, startFields, traceHeaders } from "./http-requests.ts";
import { listQueryOf, listResultOfJson } from "./list-conversion.ts";
import {
  FETCH_LONG_CALL_SLOTS,
  FETCH_REQUESTS_MAX,
  inLongCallSlot,
  secondsLeft,
} from "./long-call-slots.ts";
import type {
  ClientCallOptions,
  OperatorProtocolClient,
  ProtocolClientOptions,
} from "./protocol-client.ts";
import { groupOfWire } from "./wire-values.ts";

export class HttpProtocolClient implements OperatorProtocolClient {
  readonly transport = "http" as const;
  private readonly options: ProtocolClientOptions;
  /** Whether the node ever answered: then a failed connection says nothing about TLS. */
  private hasAnswered = false;
  private readonly liveness: HttpLiveness;
  /**
   * Aborted by close(): ends the calls in flight and those queued for a long-call slot, as a
   * gRPC client's close() does. Before, a closed client's waits ran on until their own
   * deadlines (minutes), holding slots that every client of the process shares.
   */
  private readonly closing = new AbortController();

  constructor(
    readonly address: string,
    options: ProtocolClientOptions = {},
  ) {
    this.options = options;
    const timing = options.keepalive ?? KEEPALIVE_DEFAULT;
    // Any answer, a 503 or 401 included, says the node is there.
    this.liveness = new HttpLiveness(
      address,
      (answered) => probeHealth(address, options.tls, answered),
      timing,
    );
  }

  async discover(options: ClientCallOptions): Promise<DiscoveryInfo> {
    const body = await this.call("GET", "/discovery/peers", undefined, options);
    return {
      nodeId: idOf(body.node_id),
      highestKnownNodeId: idOf(body.highest_known_node_id),
      address: String(body.address ?? ""),
      managementLeaderNodeId: idOf(body.management_leader_node_id),
      managementLeaderAddress: String(body.management_leader_address ?? ""),
      shouldJoinAsVoter: body.should_join_as_voter === true,
      currentVoterCount: Number(body.current_voter_count ?? 0),
      maxVoters: Number(body.max_voters ?? 0),
      transport: body.transport === "grpc" ? "grpc" : "http",
      faultTolerance: Number(body.fault_tolerance ?? 0),
      ...foundingOf(body.founding),
      ...(typeof body.instance_id === "string" ? { instanceId: body.instance_id } : {}),
    };
  }

  async register(request: RegisterRequest, options: ClientCallOptions): Promise<RegisterResult> {
    const body = await this.call(
      "POST",
      "/discovery/register",
      {
        node_id: request.nodeId,
        address: request.address,
        ...(request.workflowFingerprint === undefined
          ? {}
          : { workflow_fingerprint: request.workflowFingerprint }),
        ...(request.instanceId === undefined ? {} : { instance_id: request.instanceId }),
        ...(request.rulesVersion === undefined ? {} : { rules_version: request.rulesVersion }),
        ...(request.securityProfile === undefined
          ? {}
          : { security_profile: request.securityProfile }),
      },
      options,
    );
    return { nodeId: idOf(body.node_id) };
  }

  async health(options: ClientCallOptions): Promise<HealthInfo> {
    const body = await this.call("GET", "/health", undefined, options, [503]);
    const status = HEALTH_STATUSES.find((known) => known === body.status) ?? "unavailable";
    return {
      status,
      nodeId: idOf(body.node_id),
      isLeader: body.is_leader === true,
      ...(typeof body.reason === "string" ? { reason: body.reason } : {}),
    };
  }

  async startWorkflow(
    request: StartWorkflowRequest,
    options: ClientCallOptions,
  ): Promise<StartWorkflowResult> {
    const body = await this.call(
      "POST",
      "/workflow/execute",
      startFields(request),
      options,
      [],
      traceHeaders(request),
    );
    return {
      workflowId: String(body.workflow_id ?? ""),
      executionClusterId: groupOfWire(body.execution_cluster_id),
      alreadyStarted: body.already_started === true,
    };
  }

  async waitWorkflow(
    request: WaitWorkflowRequest,
    options: ClientCallOptions,
  ): Promise<WorkflowOutcome> {
    const body = await this.longCall("GET", "/workflow/wait", options, (left) => {
      const query = new URLSearchParams({
        workflow_id: request.workflowId,
        ...clusterParam(request.executionClusterId),
        timeout_seconds: String(secondsLeft(request.timeoutSeconds, options, left)),
      });
      return { path: `/workflow/wait?${query}` };
    });
    return outcomeOf(body);
  }

  async listWorkflows(
    request: ListWorkflowsRequest,
    options: ClientCallOptions,
  ): Promise<ListWorkflowsResult> {
    const query = listQueryOf(request);
    return listResultOfJson(await this.call("GET", `/workflow/list?${query}`, undefined, options));
  }

  async describeWorkflow(
    request: DescribeWorkflowRequest,
    options: ClientCallOptions,
  ): Promise<WorkflowDescriptionInfo> {
    const query = new URLSearchParams({
      workflow_id: request.workflowId,
      ...clusterParam(request.executionClusterId),
    });
    return describedOf(await this.call("GET", `/workflow/describe?${query}`, undefined, options));
  }

  async signalWorkflow(
    request: SignalWorkflowRequest,
    options: ClientCallOptions,
  ): Promise<SignalWorkflowResult> {
    const body = await this.call(
      "POST",
      "/workflow/signal",
      {
        workflow_id: request.workflowId,
        name: request.name,
        payload: JSON.stringify(request.payload),
        ...clusterParam(request.executionClusterId),
        ...(request.eventId === undefined ? {} : { event_id: request.eventId }),
      },
      options,
    );
    return {
      workflowId: String(body.workflow_id ?? ""),
      executionClusterId: groupOfWire(body.execution_cluster_id),
      eventId: String(body.event_id ?? ""),
      isDuplicate: body.duplicate === true,
    };
  }

  cancelWorkflow(
    request: StopWorkflowRequest,
    options: ClientCallOptions,
  ): Promise<StopWorkflowResult> {
    return this.stop("/workflow/cancel", request, options);
  }

  terminateWorkflow(
    request: StopWorkflowRequest,
    options: ClientCallOptions,
  ): Promise<StopWorkflowResult> {
    return this.stop("/workflow/terminate", request, options);
  }

  private async stop(
    path: string,
    request: StopWorkflowRequest,
    options: ClientCallOptions,
  ): Promise<StopWorkflowResult> {
    const { executionClusterId, reason } = request;
    const body = await this.call(
      "POST",
      path,
      {
        workflow_id: request.workflowId,
        ...clusterParam(executionClusterId),
        ...(reason === undefined ? {} : { reason }),
      },
      options,
    );
    return {
      workflowId: String(body.workflow_id ?? ""),
      executionClusterId: groupOfWire(body.execution_cluster_id),
      status: String(body.status ?? ""),
      isDuplicate: body.duplicate === true,
    };
  }

  async runWorkflow(
    request: StartWorkflowRequest,
    options: ClientCallOptions,
  ): Promise<WorkflowOutcome> {
    // One request: the node starts the workflow and answers once it has finished, within
    // what is left of the call's deadline once it has a slot.
    const body = await this.longCall(
      "POST",
      "/workflow/run",
      options,
      (left) => {
        const timeoutSeconds = Math.ceil(left.timeoutMs / 1000);
        const payload = {
          ...startFields(request),
          timeout_seconds: Math.min(WAIT_TIMEOUT_SECONDS_MAX, Math.max(1, timeoutSeconds)),
        };
        return { path: "/workflow/run", payload };
      },
      traceHeaders(request),
    );
    return outcomeOf(body);
  }

  async clusterStatus(options: ClientCallOptions): Promise<ClusterStatus> {
    const body = await this.call("GET", "/cluster/status", undefined, options);
    return clusterStatusOf(body);
  }

  async leave(options: ClientCallOptions): Promise<LeaveResult> {
    const body = await this.call("POST", "/node/leave", undefined, options);
    return { nodeId: idOf(body.node_id) };
  }

  async clusterRetention(
    request: RetentionRequest,
    options: ClientCallOptions,
  ): Promise<RetentionInfo> {
    const fields = {
      ...(request.finishedMax === undefined ? {} : { finished_max: request.finishedMax }),
      ...(request.retainForMs === undefined ? {} : { retain_for_ms: request.retainForMs }),
      ...(request.retainAtLeastMs === undefined
        ? {}
        : { retain_at_least_ms: request.retainAtLeastMs }),
    };
    const body = await this.call("POST", "/cluster/retention", fields, options);
    return {
      retention: {
        finishedMax: Number(body.finished_max ?? 0),
        retainForMs: Number(body.retain_for_ms ?? 0),
        retainAtLeastMs: Number(body.retain_at_least_ms ?? 0),
      },
      isSet: body.is_set === true,
    };
  }

  async recoverGroups(request: RecoverRequest, options: ClientCallOptions): Promise<RecoverResult> {
    const body = await this.call(
      "POST",
      "/cluster/recover",
      { cluster_ids: [...(request.groupIds ?? [])], dry_run: request.dryRun },
      options,
    );
    return {
      groups: listOf(body.groups).map((group) => ({
        groupId: groupId(Number(group.cluster_id ?? 0)),
        leaderlessMs: Number(group.leaderless_ms ?? 0),
        lastIndex: logIndex(Number(group.last_index ?? 0)),
        commitIndex: logIndex(Number(group.commit_index ?? 0)),
        droppedVoters: idsOf(group.dropped_voters),
        isRecovered: group.recovered === true,
      })),
    };
  }

  async close(): Promise<void> {
    // A health check may be in flight. Calls made after close() fail at once, as over gRPC.
    this.liveness.stop();
    this.closing.abort();
  }

  /** The failure of a call that close() ended: sent (it may have been done) or not. */
  private closedFailure(method: string, route: string, isSent: boolean): RaftoralError {
    const outcome = isSent ? "it may have been done" : "it was not sent";
    return new RaftoralError(
      "UNAVAILABLE",
      `${method} ${route} to ${this.address} ended: the client was closed (${outcome})`,
      { isAnswerLost: isSent },
    );
  }

  /**
   * A call that lasts as long as a workflow (a wait, a run), sent once one of the process's
   * long-call slots is free (long-call-slots.ts), within the call's deadline all told:
   * `requestOf` builds it from what is left of the deadline then.
   */
  private longCall(
    method: "GET" | "POST",
    route: string,
    options: ClientCallOptions,
    requestOf: (left: ClientCallOptions) => { readonly path: string; readonly payload?: Json },
    headers: Readonly<Record<string, string>> = {},
  ): Promise<Json> {
    const notSent = () =>
      `${method} ${route} to ${this.address} was not sent: ${FETCH_LONG_CALL_SLOTS.max} waits and runs of this process were in flight (Bun's fetch sends at most ${FETCH_REQUESTS_MAX} requests at once; BUN_CONFIG_MAX_HTTP_REQUESTS raises it) and none ended within its deadline of ${options.timeoutMs} ms`;
    const closing = this.closing.signal;
    const signal =
      options.signal === undefined ? closing : AbortSignal.any([options.signal, closing]);
    const queued = inLongCallSlot(
      FETCH_LONG_CALL_SLOTS,
      { ...options, signal },
      notSent,
      (left) => {
        const { path, payload } = requestOf(left);
        return this.call(method, path, payload, left, [], headers);
      },
    );
    return queued.catch((error: unknown) => {
      // Closed while it waited for a slot: never sent.
      if (closing.aborted && !(error instanceof RaftoralError)) {
        throw this.closedFailure(method, route, false);
      }
      throw error;
    });
  }

  /** One call, abandoned as UNAVAILABLE if the node goes silent meanwhile (HttpLiveness). */
  private call(
    method: "GET" | "POST",
    path: string,
    payload: Json | undefined,
    options: ClientCallOptions,
    acceptedStatuses: readonly number[] = [],
    headers: Readonly<Record<string, string>> = {},
  ): Promise<Json> {
    const closing = this.closing.signal;
    const route = path.split("?")[0] ?? path;
    if (closing.aborted) return Promise.reject(this.closedFailure(method, route, false));
    return this.liveness
      .watch((silent) => {
        const signals = [AbortSignal.timeout(options.timeoutMs), silent, closing];
        if (options.signal !== undefined) signals.push(options.signal);
        const signal = AbortSignal.any(signals);
        return this.answerOf(method, path, payload, { signal, acceptedStatuses, headers });
      })
      .catch((error: unknown) => {
        if (closing.aborted) throw this.closedFailure(method, route, true);
        throw error;
      });
  }

  private fetch(
    method: "GET" | "POST",
    path: string,
    payload: Json | undefined,
    signal: AbortSignal,
    headers: Readonly<Record<string, string>> = {},
  ): Promise<Response> {
    const { tls, credentials } = this.options;
    const route = path.split("?")[0] ?? path;
    return fetch(`${tls === undefined ? "http" : "https"}://${this.address}${path}`, {
      method,
      signal,
      headers: {
        ...headers,
        ...credentials?.(route, this.address),
        ...(payload === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
      ...(tls === undefined ? {} : { tls }),
    });
  }

  private async answerOf(
    method: "GET" | "POST",
    path: string,
    payload: Json | undefined,
    options: {
      readonly signal: AbortSignal;
      readonly acceptedStatuses: readonly number[];
      readonly headers: Readonly<Record<string, string>>;
    },
  ): Promise<Json> {
    let response: Response;
    const { tls } = this.options;
    const route = path.split("?")[0] ?? path;
    try {
      response = await this.fetch(method, path, payload, options.signal, options.headers);
    } catch (error) {
      const { hasAnswered, address } = this;
      throw await fetchFailure(error, { address, call: `${method} ${route}`, tls, hasAnswered });
    }
    this.hasAnswered = true;
    let body: Json;
    const isSuccess = response.ok || options.acceptedStatuses.includes(response.status);
    const notRaftoral = (what: string, cause?: unknown) =>
      new RaftoralError(
        "UNAVAILABLE",
        `${this.address} answered ${path} with ${what} (HTTP ${response.status}); is it a Raftoral node using --transport http?`,
        { cause },
      );
    try {
      body = (await response.json()) as Json;
    } catch (error) {
      throw notRaftoral("no JSON", error);
    }
    const strangeness = strangenessOf(route, body, isSuccess);
    if (strangeness !== undefined) throw notRaftoral(strangeness);
    if (!isSuccess) {
      // Every error of a node's HTTP API has a code: one without is something else, such as
      // the plain-HTTP answer of a node's gRPC port. Not an answer, so that the caller asks
      // whether the node speaks gRPC (TransportMismatchError) or tries another node.
      if (typeof body.code !== "string") {
        throw notRaftoral(`an error without a code (${String(body.error ?? "none")})`);
      }
      throw new RaftoralError(
        body.code as ErrorCode,
        String(body.error ?? `HTTP ${response.status}`),
        { isAnswer: true, isNotDone: body.not_done === true },
      );
    }
    return body;
  }
}
