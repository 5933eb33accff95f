// The command that founds a cluster, and its second chance. A founder killed between hosting
// its management group and committing that command left a log with the group's first
// configuration and no cluster in it, and every later start was refused ("the cluster is not
// bootstrapped yet"). Nothing was acknowledged to anyone by then, and the node's identity
// names the cluster it was founding: its restart commits the command instead.

import {
  type Clock,
  checkRetention,
  type Logger,
  MANAGEMENT_GROUP,
  type NodeId,
  type RetentionSetting,
} from "../lib/index.ts";
import {
  encodeManagementCommand,
  MANAGEMENT_RULES_VERSION,
  type ManagementMachine,
} from "../management/index.ts";
import type { MultiRaftHost } from "../multiraft/index.ts";
import type { TransportKind } from "../transport/index.ts";
import { ledHere } from "./group-recovery.ts";
import { retried } from "./retried.ts";

/** What a founder founds: the cluster named in its identity, with this start's settings. */
export interface Founding {
  readonly clusterId: string;
  readonly transport: TransportKind;
  readonly retention: RetentionSetting;
}

export interface FounderDeps {
  readonly host: MultiRaftHost;
  readonly machine: ManagementMachine;
  readonly self: { readonly id: NodeId; readonly address: string; readonly instance: string };
  readonly maxVoters: number;
  readonly workflowFingerprint: string;
  readonly proposalTimeoutMs: number;
  readonly logger: Logger;
}

/** Proposes the bootstrap command until it commits (a few tries: a leader being elected). */
export async function proposeBootstrap(deps: FounderDeps, founding: Founding): Promise<void> {
  const { host, self, logger } = deps;
  const command = encodeManagementCommand({
    type: "bootstrap",
    clusterId: founding.clusterId,
    transport: founding.transport,
    maxVoters: deps.maxVoters,
    workflowFingerprint: deps.workflowFingerprint,
    node: { id: self.id, address: self.address, instance: self.instance },
    rulesVersion: MANAGEMENT_RULES_VERSION,
    retention: checkRetention(founding.retention),
  });
  await retried({ what: "bootstrap the management group", logger }, () =>
    host.propose(MANAGEMENT_GROUP, command, { timeoutMs: deps.proposalTimeoutMs }),
  );
}

/**
 * At a restart of a founder (its identity names a cluster) that is still the management
 * group's only voter: once its log is applied, commits the bootstrap if it never did.
 */
export async function finishBootstrap(
  deps: FounderDeps & { readonly clock: Clock },
  founding: Founding,
): Promise<void> {
  // Founded already as far as its snapshot shows, or not the founder: nothing to wait for.
  if (founding.clusterId === "" || deps.machine.state().clusterId !== "") return;
  const conf = deps.host.inspect(MANAGEMENT_GROUP)?.status().confState;
  if (conf?.voters.length !== 1 || conf.voters[0] !== deps.self.id) return;
  // Polled finely: a lone node's every restart before its first snapshot comes this way.
  await ledHere(deps.host, MANAGEMENT_GROUP, deps.clock, 1);
  if (deps.machine.state().clusterId !== "") return;
  deps.logger.warn("This node stopped while founding its cluster; founding it now", {
    cluster_id: founding.clusterId,
  });
  await proposeBootstrap(deps, founding);
}
