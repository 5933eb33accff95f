// A restarting node checks its storage in with the cluster before it takes part in any
// execution group (src/management/incarnation.ts has the rule): an old copy of its directory
// (a restored backup, a clone that ran elsewhere) is refused instead of voting and
// acknowledging with a log shorter than the one it promised.

import {
  type Clock,
  type Logger,
  MANAGEMENT_GROUP,
  type NodeId,
  RaftoralError,
} from "../lib/index.ts";
import {
  type CheckInResult,
  encodeManagementCommand,
  MANAGEMENT_RULES_VERSION,
  type ManagementState,
  managementResultOf,
} from "../management/index.ts";
import type { MultiRaftHost } from "../multiraft/index.ts";
import type { LogStorage } from "../storage/index.ts";
import type { TransportKind } from "../transport/index.ts";
import type { PeerClients } from "./peer-clients.ts";
import { checkRestartStanding, standingOf } from "./restart-check.ts";

/** The cluster refused this node's storage as an old copy; restarting it cannot help. */
export class StaleIncarnationError extends RaftoralError {
  readonly nodeId: NodeId;

  constructor(options: { nodeId: NodeId; previous: number; recorded: number }) {
    const { nodeId, previous, recorded } = options;
    const starts = `it continues start ${previous}, the cluster last accepted start ${recorded} of node ${nodeId}`;
    // Ahead of the cluster: no copy of the directory was ever accepted at that start.
    const what =
      previous > recorded
        ? `it claims a start the cluster never accepted (${starts}): its stored identity is damaged, or the cluster's records lost that start (a forced recovery, or a cluster rebuilt from older copies)`
        : `it is an old copy (${starts}), such as a restored backup or a copy that ran elsewhere`;
    super(
      "STALE_INCARNATION",
      `node ${nodeId}: the cluster refused this node's storage directory (node_${nodeId} under --storage-path): ${what}. Running it could lose acknowledged entries or vote twice. Do not start it again: move the directory aside and start this node with an empty --storage-path and --peers naming running nodes; it joins as a new node and copies everything from the others (docs/storage.md, "Restored copies").`,
    );
    this.name = "StaleIncarnationError";
    this.nodeId = nodeId;
  }
}

/** How long the question of a forced recovery waits for the restored log to be applied. */
const APPLY_WAIT_MS = 1_000;

/** Proposal failures after which the same claim is simply proposed again. */
const PASSING = new Set(["NO_LEADER", "TIMEOUT", "PROPOSAL_DROPPED", "RESOURCE_EXHAUSTED"]);

export interface CheckInOptions {
  readonly self: NodeId;
  readonly storage: LogStorage;
  readonly host: MultiRaftHost;
  /** Chosen by this start: tells a retry of its claim from another copy's same claim. */
  readonly nonce: string;
  /** The workflow set this start runs: the cluster records it (a rolling upgrade changes it). */
  readonly workflowFingerprint: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly proposalTimeoutMs: number;
  readonly failureTimeoutMs: number;
  /**
   * Registers the node again. A node removed while it was down hears from no management
   * leader: once per failure timeout without an answer it registers again, as the runtime
   * would (management-runtime.ts), and is then a member with nothing recorded.
   */
  readonly registerAgain: () => Promise<void>;
  /** For what the other nodes know of this one (restart-check.ts). */
  readonly peers: () => readonly string[];
  /** This node's management state: its cluster id, and the nodes whose word counts. */
  readonly state: () => ManagementState;
  readonly transport: TransportKind;
  readonly clients: PeerClients;
}

/**
 * Claims the next incarnation for this start (kept in storage until answered, so that a retry
 * or a restart claims the same), proposes it until the cluster answers, and stores it once
 * accepted. Throws a StaleIncarnationError when the cluster refuses it.
 */
export async function checkInStorage(options: CheckInOptions): Promise<void> {
  const { self, storage, logger } = options;
  const identity = await storage.loadIdentity();
  if (identity === undefined) {
    // Handled: a node stopped before it stored its identity has never voted or acknowledged
    // anything, so no copy of it can be stale; its next start checks in.
    logger.warn("No stored identity to check in with", { node_id: self });
    return;
  }
  const previous = identity.incarnation ?? 0;
  const claim = identity.claim ?? { incarnation: previous + 1, nonce: options.nonce };
  if (identity.claim === undefined) await storage.saveIdentity({ ...identity, claim });
  const { workflowFingerprint } = options;
  const command = encodeManagementCommand({
    type: "checkIn",
    nodeId: self,
    previous,
    ...claim,
    workflowFingerprint,
    rulesVersion: MANAGEMENT_RULES_VERSION,
  });
  // Asked while the check-in runs, once the management log this storage holds is applied
  // (then this node knows every node to ask): the check-in of a node a forced recovery left
  // behind may never be answered (the cluster refuses its messages), and two such nodes
  // could answer each other's, as a majority of their old configuration. Nor is the check-in
  // of a node removed while it was down answered before it registers again.
  const standing = untilLogApplied(options).then(async () => {
    const { isUnlisted } = await checkRestartStanding({ ...options, ...standingOf(options) });
    if (isUnlisted) await options.registerAgain();
  });
  const [result] = await Promise.all([proposeUntilAnswered(options, command), standing]);
  switch (result.checkIn) {
    case "accepted": {
      const { claim: _answered, isLeaving, ...rest } = identity;
      if (isLeaving === true) {
        // Taken back as a member: the cluster never committed the removal of the leave.
        logger.warn(
          "This node was leaving the cluster when it stopped, and the cluster did not remove it: it is a member still; run raftoral node leave again to leave",
          { node_id: self },
        );
      }
      await storage.saveIdentity({ ...rest, incarnation: claim.incarnation });
      logger.info("Storage checked in", { node_id: self, incarnation: claim.incarnation });
      return;
    }
    case "not-a-member":
      // Handled: a removed node registers again (NodeParts.rejoin) and then has nothing
      // recorded; its claim stays for its next start.
      logger.info("Storage not checked in: this node is not a member now", { node_id: self });
      return;
    case "stale":
      throw new StaleIncarnationError({ nodeId: self, previous, recorded: result.recorded });
  }
}

/** Resolves once the management group applied the log it had committed at the restart. */
async function untilLogApplied(options: CheckInOptions): Promise<void> {
  const { host, clock } = options;
  const committed = host.inspect(MANAGEMENT_GROUP)?.status().commit ?? 0;
  const deadline = clock.nowMs() + APPLY_WAIT_MS;
  while ((host.inspect(MANAGEMENT_GROUP)?.status().applied ?? committed) < committed) {
    if (clock.nowMs() > deadline) return;
    await new Promise<void>((resolve) => clock.setTimer(10, resolve));
  }
}

/** How often a check-in that gets no answer says so at warn. */
const CHECK_IN_WARN_INTERVAL_MS = 15_000;

// Runs until answered or the node stops (the host then rejects with SHUTTING_DOWN).
async function proposeUntilAnswered(
  options: CheckInOptions,
  command: Uint8Array,
): Promise<CheckInResult> {
  const { clock, logger } = options;
  let unansweredSinceMs = clock.nowMs();
  const startedMs = clock.nowMs();
  let warnedAtMs = startedMs;
  for (;;) {
    try {
      const timeoutMs = options.proposalTimeoutMs;
      // What the management machine answers a checkIn with.
      const answer = await options.host.propose(MANAGEMENT_GROUP, command, { timeoutMs });
      return managementResultOf(answer, "checkIn", "a storage check-in");
    } catch (error) {
      if (!(error instanceof RaftoralError && PASSING.has(error.code))) throw error;
      // Handled: the same claim again is safe (the rule accepts a retry of it).
      logger.debug("Retrying the storage check-in", { error: error.message });
      if (clock.nowMs() - warnedAtMs >= CHECK_IN_WARN_INTERVAL_MS) {
        warnedAtMs = clock.nowMs();
        logger.warn(
          "This node's storage is not checked in yet: the management group does not answer, so its execution clusters wait (they need most management voters up)",
          { waiting_s: Math.round((warnedAtMs - startedMs) / 1_000), error: error.message },
        );
      }
      if (clock.nowMs() - unansweredSinceMs >= options.failureTimeoutMs) {
        unansweredSinceMs = clock.nowMs();
        await options.registerAgain();
      }
    }
  }
}
