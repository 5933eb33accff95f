// A node that a forced recovery left behind must not run on with its old log. The restart check
// (restart-check.ts) stops it when it starts, but only if a recovered node answers then: two
// such nodes restarted while every recovered node was down elect each other, as a majority of
// their old configuration, and serve a copy of the cluster of their own, and the recovered
// nodes refuse their messages without telling them. So while it runs, a node asks the nodes it
// knows, every LOST_CHECK_INTERVAL_MS, what they know of it (the restart check's question), and
// stops with a LostNodeError (exit 78) once one of its cluster lists it as left behind: the
// copy lasts until a recovered node is back, and a check interval more, not until an operator
// notices. The same answers tell a node the cluster removed (one cut off by the network for
// longer than the failure timeout) that it was: it registers again at once, rather than a
// failure timeout after it last heard a management leader.

import type { Clock, Logger, NodeId } from "../lib/index.ts";
import type { ManagementState } from "../management/index.ts";
import type { TransportKind } from "../transport/index.ts";
import type { PeerClients } from "./peer-clients.ts";
import { checkRestartStanding, LostNodeError, standingOf } from "./restart-check.ts";

/** How often a running node asks whether a forced recovery left it behind. */
export const LOST_CHECK_INTERVAL_MS = 10_000;

export interface LostWatchOptions {
  readonly self: NodeId;
  /** The addresses of the nodes this one knows. */
  readonly peers: () => readonly string[];
  /** This node's management state: its cluster id, and the nodes whose word counts. */
  readonly state: () => ManagementState;
  readonly transport: TransportKind;
  readonly clients: PeerClients;
  readonly clock: Clock;
  readonly logger: Logger;
  /** A node of its cluster lists this one as left behind: the node must stop. */
  readonly onLost: (error: LostNodeError) => void;
  /** A node of its cluster no longer lists this one: it registers again. */
  readonly onRemoved: () => Promise<void>;
  /** The node is leaving: its removal is its own doing, and it does not register again. */
  readonly isLeaving: () => boolean;
}

export class LostWatch {
  private readonly options: LostWatchOptions;
  private cancelTimer: (() => void) | undefined;
  private isRunning = false;

  constructor(options: LostWatchOptions) {
    this.options = options;
  }

  start(): void {
    if (this.isRunning) return;
    this.isRunning = true;
    this.schedule();
  }

  stop(): void {
    this.isRunning = false;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  private schedule(): void {
    this.cancelTimer = this.options.clock.setTimer(LOST_CHECK_INTERVAL_MS, () => {
      this.cancelTimer = undefined;
      void this.check();
    });
  }

  private async check(): Promise<void> {
    try {
      const { isUnlisted } = await checkRestartStanding({
        ...this.options,
        ...standingOf(this.options),
      });
      if (isUnlisted && this.isRunning && !this.options.isLeaving()) {
        this.options.logger.warn(
          "A node of the cluster no longer lists this node; registering again",
        );
        await this.options.onRemoved();
      }
    } catch (error) {
      if (error instanceof LostNodeError) {
        if (this.isRunning) this.options.onLost(error);
        this.stop();
        return;
      }
      // Handled: a round that could not ask, or register, is tried again at the next interval.
      this.options.logger.debug("Could not ask whether this node was left behind or removed", {
        error: String(error),
      });
    }
    if (this.isRunning) this.schedule();
  }
}
