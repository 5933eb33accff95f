// Runs a node for `raftoral --listen ...`: starts it, logs, and stops it cleanly on
// SIGTERM/SIGINT (leaders hand over first). A node that left the cluster (`raftoral node
// leave`) stops by itself; the process then exits 0. A node that stopped itself after a fatal
// error (its storage failed) exits with that error's status. Returns the exit status.

import { InvalidArgumentError, type Logger, type RaftoralError } from "../lib/index.ts";
import {
  checkNodeSecurity,
  lockStoragePathForProcess,
  type NodeSecurity,
  RaftoralNode,
} from "../node/index.ts";
import { watchDescriptors } from "./descriptor-watch.ts";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, exitCodeOf } from "./exit-codes.ts";
import { loadWorkflows } from "./load-workflows.ts";
import type { ServerArgs } from "./server-args.ts";

/** A stop that takes longer than this ends the process anyway. */
const STOP_DEADLINE_MS = 5_000;

export async function runServer(
  args: ServerArgs,
  files: NodeSecurity,
  logger: Logger,
): Promise<number> {
  let node: RaftoralNode;
  const { corsOrigins } = args;
  const security = { ...files, ...(corsOrigins === undefined ? {} : { corsOrigins }) };
  if (!isWorkable(security, logger)) return EXIT_USAGE;
  logSecurity(security, logger);
  try {
    // Held until the process ends: one process per --storage-path.
    if (args.storagePath !== undefined) await lockStoragePathForProcess(args.storagePath);
    const workflows = args.workflows === undefined ? [] : await loadWorkflows(args.workflows);
    node = new RaftoralNode({
      listen: args.listen.text,
      advertise: args.advertise.text,
      ...(args.nodeId === undefined ? {} : { nodeId: args.nodeId }),
      peers: args.peers.map((peer) => peer.text),
      bootstrap: args.bootstrap,
      ...(args.storagePath === undefined ? {} : { storagePath: args.storagePath }),
      transport: args.transport,
      ...(args.httpListen === undefined ? {} : { httpListen: args.httpListen.text }),
      workflows,
      logger,
      security,
      ...(args.retention === undefined ? {} : { retention: args.retention }),
    });
  } catch (error) {
    logger.error((error as Error).message);
    return exitCodeOf(error as Error, "start");
  }
  // A fatal error may stop the node while a signal's stop is under way: its status wins.
  const stoppedStatus = () =>
    node.failure === undefined ? EXIT_OK : exitCodeOf(node.failure, "run");
  let isSignalled = false;
  const stopped = new Promise<number>((resolve) => {
    const onSignal = (signal: string) => {
      isSignalled = true;
      logger.info("Shutting down", { signal });
      setTimeout(() => resolve(stoppedStatus()), STOP_DEADLINE_MS).unref();
      node.stop().then(
        () => resolve(stoppedStatus()),
        (error: unknown) => {
          logger.error("Shutdown failed", { error: (error as Error).message });
          resolve(EXIT_FAILED);
        },
      );
    };
    process.once("SIGTERM", () => onSignal("SIGTERM"));
    process.once("SIGINT", () => onSignal("SIGINT"));
  });
  try {
    await node.start();
  } catch (error) {
    await node.stop();
    // Asked to stop before it was ready: a stop like any other (exit 0), not a failed start.
    if (isSignalled && (error as RaftoralError).code === "SHUTTING_DOWN") {
      logger.info("Stopped before it was ready");
      return stoppedStatus();
    }
    logger.error(describeStartFailure(error as Error, args.httpListen?.text));
    return exitCodeOf(error as Error, "start");
  }
  const stopWatching = watchDescriptors(logger);
  // Stopped without a signal: it left the cluster when asked to, or a fatal error stopped it.
  const status = await Promise.race([stopped, node.stopped.then(stoppedStatus)]);
  stopWatching();
  return status;
}

/** Which protections are on, if any; what they hold never reaches the log. */
function logSecurity(security: NodeSecurity, logger: Logger): void {
  const tls = security.tls;
  if (Object.keys(security).length === 0) return;
  const state = (value: unknown) => (value === undefined ? "off" : "on");
  logger.info("Security", {
    tls: tls === undefined ? "off" : tls.isClientCertRequired === true ? "mutual" : "on",
    cluster_secret: state(security.clusterSecret),
    client_token: state(security.clientToken),
    admin_token: state(security.adminToken),
    ...(security.corsOrigins === undefined ? {} : { cors_origins: security.corsOrigins.join(" ") }),
  });
}

function describeStartFailure(error: Error, httpListen: string | undefined): string {
  if (/address already in use|EADDRINUSE/i.test(error.message)) {
    // The second listener fails the same way: name the option that gave the busy address.
    const isHttpListen =
      httpListen !== undefined && error.message.includes(`cannot listen on ${httpListen}:`);
    const option = isHttpListen ? "--http-listen" : "--listen";
    return `${error.message}. Choose another ${option} port, or stop the process that holds it.`;
  }
  return error.message;
}

/**
 * Whether the security settings can work together; logs why not. Those come from the
 * command line, so a refusal is a usage error, as a bad flag is.
 */
function isWorkable(security: NodeSecurity, logger: Logger): boolean {
  try {
    checkNodeSecurity(security);
    return true;
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error;
    logger.error(error.message);
    return false;
  }
}
