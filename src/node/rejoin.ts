// Registering again after the cluster removed this node. Three parts of a node ask for it: the
// lost watch (a peer no longer lists it), the management runtime (no management leader heard
// for the failure timeout) and the storage check-in. After a long pause they ask at once, and
// each used to register on its own: the cluster saw the node registered twice. One
// registration now answers every request made while it runs.

import type { Logger, NodeId } from "../lib/index.ts";
import { MANAGEMENT_RULES_VERSION } from "../management/index.ts";
import type { TransportKind } from "../transport/index.ts";
import { registerAgain } from "./join-cluster.ts";
import type { IdentityStore } from "./leave-cluster.ts";
import type { PeerClients } from "./peer-clients.ts";
import type { LeftNodeError, LostNodeError } from "./restart-check.ts";

export interface RejoinOptions {
  readonly self: NodeId;
  readonly address: string;
  /** Names this process (RegisterRequest.instanceId). */
  readonly instance: string;
  /** Every node address this one has seen or was given with --peers. */
  readonly peers: () => readonly string[];
  /** The cluster this node belongs to; "" if it does not know. */
  readonly clusterId: () => string;
  readonly workflowFingerprint: () => string;
  readonly transport: TransportKind;
  readonly clients: PeerClients;
  readonly logger: Logger;
  readonly callTimeoutMs: number;
  /** The cluster will never take this node back (or it left): it must stop. */
  readonly onLost: (error: LostNodeError | LeftNodeError) => void;
  /** A node on its way out was removed on purpose: registering again would undo the leave. */
  readonly isLeaving: () => boolean;
  /** Where a leave that began before the node last stopped is recorded (NodeIdentity). */
  readonly storage: IdentityStore;
  /** The highest node id the cluster handed out, as a peer answered. */
  readonly onHighestNodeId: (id: NodeId) => void;
}

export class Rejoin {
  private running: Promise<void> | undefined;

  constructor(private readonly options: RejoinOptions) {}

  /** Registers again through any node known; joins the registration already running, if any. */
  run(): Promise<void> {
    if (this.options.isLeaving()) return Promise.resolve();
    this.running ??= this.registerOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async registerOnce(): Promise<void> {
    const { options } = this;
    const identity = await options.storage.loadIdentity();
    const highest = await registerAgain({
      isLeaving: identity?.isLeaving === true,
      peers: options.peers(),
      transport: options.transport,
      clients: options.clients,
      logger: options.logger,
      callTimeoutMs: options.callTimeoutMs,
      onLost: options.onLost,
      clusterId: options.clusterId(),
      request: {
        nodeId: options.self,
        address: options.address,
        workflowFingerprint: options.workflowFingerprint(),
        instanceId: options.instance,
        rulesVersion: MANAGEMENT_RULES_VERSION,
      },
    });
    if (highest !== undefined) options.onHighestNodeId(highest);
  }
}
