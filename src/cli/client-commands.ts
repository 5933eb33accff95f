// Runs the client subcommands with RaftoralClient: prints the result (text, or JSON with
// --json) and returns the exit code scripts can rely on (see EXIT in this file).

import {
  describedJson,
  listedJson,
  RaftoralClient,
  UnreachableError,
  type WorkflowResult,
} from "../client/index.ts";
import { groupId, RaftoralError } from "../lib/index.ts";
import { type ClientCommand, type Connection, parseClientArgs } from "./client-args.ts";
import {
  clusterStatusJsonText,
  clusterStatusText,
  describedText,
  healthJsonText,
  healthText,
  json,
  leftJsonText,
  leftText,
  reachedWith,
  recoveredJsonText,
  recoveredText,
  resultJsonText,
  resultText,
  signaledJsonText,
  signaledText,
  startedJsonText,
  startedText,
  startHeadline,
  stoppedJsonText,
  stoppedText,
} from "./client-output.ts";
import { jsonArgumentValue } from "./json-argument.ts";
import { listedText, unavailableText } from "./list-output.ts";
import { type Environment, loadClientSecurity } from "./load-security.ts";
import { withProgress } from "./progress.ts";
import { retentionJsonText, retentionText } from "./retention-output.ts";
import { SecurityFileError } from "./security-files.ts";
import { oneLine, terminalSafe } from "./terminal-safe.ts";

/** The exit codes of the client subcommands; README and --help list them too. */
export const EXIT = {
  OK: 0,
  /** The workflow failed, or the node refused or could not finish the operation. */
  FAILED: 1,
  /** Bad options or values (the CLI's checks or the node's), or the other protocol. */
  USAGE: 2,
  /** No node could be reached: none answered. */
  UNREACHABLE: 3,
} as const;

/** Where the commands write; injected so that tests can read it. */
export interface Output {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** stderr is a terminal: long waits show progress there (progress.ts). */
  readonly isTerminal?: boolean;
  /** Standard input, read whole, for `--input @-` and `--payload @-` (default: the process's). */
  readonly readStdin?: () => Promise<string>;
}

function stdinOf(output: Output): () => Promise<string> {
  return output.readStdin ?? (() => Bun.stdin.text());
}

/**
 * Parses and runs one client subcommand; resolves to the process exit code. `env` may hold
 * the token (RAFTORAL_TOKEN).
 */
export async function runClientCommand(
  argv: readonly string[],
  unsafeOutput: Output,
  env: Environment,
): Promise<number> {
  const output: Output = {
    ...unsafeOutput,
    stdout: (text) => unsafeOutput.stdout(terminalSafe(text)),
    stderr: (text) => unsafeOutput.stderr(terminalSafe(text)),
  };
  const parsed = parseClientArgs(argv, env);
  if (parsed.kind === "help") {
    output.stdout(parsed.text);
    return EXIT.OK;
  }
  if (parsed.kind === "error") {
    output.stderr(`error: ${parsed.message}\n`);
    return EXIT.USAGE;
  }
  const { connection } = parsed.command;
  let security: ReturnType<typeof loadClientSecurity>;
  try {
    security = loadClientSecurity(connection.security, env);
  } catch (error) {
    if (!(error instanceof SecurityFileError)) throw error;
    output.stderr(`error: ${error.message}\n`);
    return EXIT.USAGE;
  }
  const client = new RaftoralClient(connection.addresses, {
    transport: connection.transport,
    ...(connection.timeoutMs === undefined ? {} : { timeoutMs: connection.timeoutMs }),
    ...security,
  });
  try {
    return await execute(parsed.command, client, output);
  } catch (error) {
    return reportFailure(error, connection, output);
  } finally {
    await client.close();
  }
}

async function execute(
  command: ClientCommand,
  client: RaftoralClient,
  output: Output,
): Promise<number> {
  const { connection } = command;
  const address = connection.addresses[0] ?? "";
  switch (command.kind) {
    case "workflow-run":
      return runWorkflow(command, client, output);
    case "workflow-wait":
    case "workflow-describe":
      return lookUpWorkflow(command, client, output);
    case "workflow-list":
      return listWorkflows(command, client, output);
    case "workflow-signal":
      return signalWorkflow(command, client, output);
    case "workflow-cancel":
    case "workflow-terminate":
      return stopWorkflow(command, client, output);
    case "cluster-status": {
      const status = await client.status();
      output.stdout(connection.json ? clusterStatusJsonText(status) : clusterStatusText(status));
      return EXIT.OK;
    }
    case "cluster-recover": {
      const result = await client.recover(
        {
          ...(command.groupIds === undefined ? {} : { groupIds: command.groupIds.map(groupId) }),
          dryRun: !command.force,
        },
        connection.timeoutMs === undefined ? {} : { timeoutMs: connection.timeoutMs },
      );
      output.stdout(connection.json ? recoveredJsonText(result) : recoveredText(result, address));
      return EXIT.OK;
    }
    case "cluster-retention": {
      const info = await client.retention(
        command.change,
        connection.timeoutMs === undefined ? {} : { timeoutMs: connection.timeoutMs },
      );
      const isChange = Object.keys(command.change).length > 0;
      output.stdout(connection.json ? retentionJsonText(info) : retentionText(info, isChange));
      return EXIT.OK;
    }
    case "node-leave": {
      const left = await withProgress(
        output,
        `Waiting for the node at ${address} to leave`,
        client.leave(connection.timeoutMs === undefined ? {} : { timeoutMs: connection.timeoutMs }),
      );
      output.stdout(connection.json ? leftJsonText(left) : leftText(left, address));
      return EXIT.OK;
    }
    case "node-health": {
      const health = await client.health();
      output.stdout(connection.json ? healthJsonText(health) : healthText(health, address));
      return health.status === "ok" ? EXIT.OK : EXIT.FAILED;
    }
  }
}

async function signalWorkflow(
  command: Extract<ClientCommand, { kind: "workflow-signal" }>,
  client: RaftoralClient,
  output: Output,
): Promise<number> {
  const { connection } = command;
  const payload = await jsonArgumentValue(command.payload, "--payload", stdinOf(output));
  const sent = await client.signal(command.workflowId, command.name, payload, {
    ...(command.cluster === undefined ? {} : { executionClusterId: command.cluster }),
    ...(command.eventId === undefined ? {} : { eventId: command.eventId }),
    ...(connection.timeoutMs === undefined ? {} : { timeoutMs: connection.timeoutMs }),
  });
  output.stdout(connection.json ? signaledJsonText(sent) : signaledText(command.name, sent));
  return EXIT.OK;
}

/** cancel or terminate. */
async function stopWorkflow(
  command: Extract<ClientCommand, { kind: "workflow-cancel" | "workflow-terminate" }>,
  client: RaftoralClient,
  output: Output,
): Promise<number> {
  const { connection } = command;
  const verb = command.kind === "workflow-cancel" ? "cancel" : "terminate";
  const options = {
    ...(command.cluster === undefined ? {} : { executionClusterId: command.cluster }),
    ...(command.reason === undefined ? {} : { reason: command.reason }),
    ...(connection.timeoutMs === undefined ? {} : { timeoutMs: connection.timeoutMs }),
  };
  const stopped = await client[verb](command.workflowId, options);
  output.stdout(connection.json ? stoppedJsonText(stopped) : stoppedText(verb, stopped));
  return EXIT.OK;
}

/** wait or describe: a workflow found by its id (and its cluster, if given). */
async function lookUpWorkflow(
  command: Extract<ClientCommand, { kind: "workflow-wait" | "workflow-describe" }>,
  client: RaftoralClient,
  output: Output,
): Promise<number> {
  const { connection } = command;
  const workflow = {
    workflowId: command.workflowId,
    ...(command.cluster === undefined ? {} : { executionClusterId: command.cluster }),
  };
  if (command.kind === "workflow-describe") {
    const described = await client.describe(
      workflow,
      connection.timeoutMs === undefined ? {} : { timeoutMs: connection.timeoutMs },
    );
    output.stdout(connection.json ? json(describedJson(described)) : describedText(described));
    return EXIT.OK;
  }
  const result = await withProgress(
    output,
    `Waiting for workflow ${command.workflowId}`,
    client.wait(workflow, waitTimeout(connection)),
  );
  output.stdout(connection.json ? resultJsonText(result, false) : resultText(result));
  return result.status === "completed" ? EXIT.OK : EXIT.FAILED;
}

/** One page of the list; exit 1 when an execution cluster did not answer (page incomplete). */
async function listWorkflows(
  command: Extract<ClientCommand, { kind: "workflow-list" }>,
  client: RaftoralClient,
  output: Output,
): Promise<number> {
  const { connection, filter } = command;
  // --since counts back from now; the next page keeps that same start, as --after.
  const after = filter.sinceMs === undefined ? filter.startedAfterMs : Date.now() - filter.sinceMs;
  const request = {
    ...(filter.statuses.length === 0 ? {} : { statuses: filter.statuses }),
    ...(filter.name === undefined ? {} : { name: filter.name }),
    ...(after === undefined ? {} : { startedAfterMs: after }),
    ...(filter.startedBeforeMs === undefined ? {} : { startedBeforeMs: filter.startedBeforeMs }),
    ...(filter.pageSize === undefined ? {} : { pageSize: filter.pageSize }),
    ...(filter.pageToken === undefined ? {} : { pageToken: filter.pageToken }),
    ...(filter.cluster === undefined ? {} : { executionClusterId: filter.cluster }),
    ...(connection.timeoutMs === undefined ? {} : { timeoutMs: connection.timeoutMs }),
  };
  const page = await client.list(request);
  const next = [
    "raftoral workflow list",
    ...filter.statuses.map((status) => `--status ${status}`),
    ...(filter.name === undefined ? [] : [`--name ${filter.name}`]),
    ...(after === undefined ? [] : [`--after ${after}`]),
    ...(filter.startedBeforeMs === undefined ? [] : [`--before ${filter.startedBeforeMs}`]),
    ...(filter.pageSize === undefined ? [] : [`--limit ${filter.pageSize}`]),
    ...(filter.cluster === undefined ? [] : [`--cluster ${filter.cluster}`]),
  ].join(" ");
  output.stdout(
    connection.json ? json(listedJson(page)) : listedText(page, next + reachedWith(connection)),
  );
  output.stderr(unavailableText(page));
  return page.unavailableClusters.length === 0 ? EXIT.OK : EXIT.FAILED;
}

async function runWorkflow(
  command: Extract<ClientCommand, { kind: "workflow-run" }>,
  client: RaftoralClient,
  output: Output,
): Promise<number> {
  const { connection } = command;
  const input = await jsonArgumentValue(command.input, "--input", stdinOf(output));
  const started = await client.start(command.name, input, {
    version: command.version,
    ...(command.cluster === undefined ? {} : { executionClusterId: command.cluster }),
    ...(command.workflowId === undefined ? {} : { workflowId: command.workflowId }),
  });
  if (!command.wait) {
    output.stdout(
      connection.json
        ? startedJsonText(started)
        : startedText(command.name, command.version, started, connection),
    );
    return EXIT.OK;
  }
  if (!connection.json) {
    output.stdout(
      `${startHeadline(command.name, command.version, started)} (workflow ID ${started.workflowId}, execution cluster ${started.executionClusterId})\n`,
    );
  }
  let result: WorkflowResult;
  try {
    result = await withProgress(
      output,
      `Waiting for workflow ${started.workflowId}`,
      client.wait(started, waitTimeout(connection)),
    );
  } catch (error) {
    // The workflow started: a script must get its ids from the JSON, not from the message.
    return reportFailure(error, connection, output, {
      workflow_id: started.workflowId,
      execution_cluster_id: started.executionClusterId,
    });
  }
  output.stdout(connection.json ? resultJsonText(result, true) : resultText(result));
  return result.status === "completed" ? EXIT.OK : EXIT.FAILED;
}

/** --timeout bounds a wait; without it a wait takes the client's default (30 s). */
function waitTimeout(connection: Connection): { timeoutMs?: number } {
  return connection.timeoutMs === undefined ? {} : { timeoutMs: connection.timeoutMs };
}

function reportFailure(
  error: unknown,
  connection: Connection,
  output: Output,
  fields: Readonly<Record<string, string>> = {},
): number {
  if (!(error instanceof RaftoralError)) throw error;
  // TransportMismatchError is an INVALID_ARGUMENT too: the address or --transport is wrong.
  const code =
    error.code === "INVALID_ARGUMENT"
      ? EXIT.USAGE
      : error instanceof UnreachableError
        ? EXIT.UNREACHABLE
        : EXIT.FAILED;
  output.stderr(`error: ${oneLine(error.message)}\n`);
  if (connection.json)
    output.stdout(json({ ...fields, success: false, error: error.message, code: error.code }));
  return code;
}
