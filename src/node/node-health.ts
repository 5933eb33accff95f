// The node's health as the API reports it, and the moment it becomes ready. A starting node
// turns "ok" once startup readiness holds (readiness.ts), and logs "Node N is ready" then;
// after that its health is "ok" while it can still serve, "unavailable" (with the reason)
// while it cannot, and "stopping" from the moment it shuts down. A node that hit a fatal
// error (its storage failed) says "unavailable" with that reason until it is gone.

import type { Clock, Logger, NodeId } from "../lib/index.ts";
import type { HealthInfo } from "../transport/index.ts";
import type { Readiness } from "./readiness.ts";

type Phase = "starting" | "ok" | "stopping" | "failed";

export interface NodeHealthOptions {
  readonly logger: Logger;
  readonly self: () => NodeId;
  readonly isManagementLeader: () => boolean;
  /** Whether a starting node may report ready. */
  readonly startup: () => Readiness;
  /** Whether a node that was ready still serves. */
  readonly serving: () => Readiness;
}

export class NodeHealth {
  private phase: Phase = "starting";
  private lastStartupReason = "starting";
  private failure = "";
  private markReady: () => void = () => undefined;
  /** Resolves when the node first becomes ready. */
  readonly ready: Promise<void> = new Promise((resolve) => {
    this.markReady = resolve;
  });

  constructor(private readonly options: NodeHealthOptions) {}

  get isReady(): boolean {
    return this.phase === "ok";
  }

  /** Looks again at a starting node; call it on every change that may make it ready. */
  refresh(): void {
    if (this.phase !== "starting") return;
    const startup = this.options.startup();
    if (!startup.isReady) {
      if (startup.reason !== this.lastStartupReason) {
        this.lastStartupReason = startup.reason;
        this.options.logger.debug("Not ready yet", { reason: startup.reason });
      }
      return;
    }
    this.phase = "ok";
    this.options.logger.info(`Node ${this.options.self()} is ready`);
    this.markReady();
  }

  /**
   * Resolves once the node is ready; rejects with `failure()` once that is set. Refreshes on
   * every change the `changes` subscriptions report.
   */
  async waitUntilReady(options: {
    readonly clock: Clock;
    readonly changes: readonly ((listener: () => void) => () => void)[];
    readonly failure: () => Error | undefined;
  }): Promise<void> {
    const unsubscribe = options.changes.map((subscribe) => subscribe(() => this.refresh()));
    try {
      for (;;) {
        const failure = options.failure();
        if (failure !== undefined) throw failure;
        this.refresh();
        if (this.isReady) return;
        // Changes wake the refresh at once; the timer only bounds how late a failure is seen.
        await Promise.race([
          this.ready,
          new Promise<void>((resolve) => options.clock.setTimer(50, resolve)),
        ]);
      }
    } finally {
      for (const stop of unsubscribe) stop();
    }
  }

  /** From now on, whatever else happens: unavailable, because of `reason`. */
  failed(reason: string): void {
    this.phase = "failed";
    this.failure = reason;
  }

  stopping(): void {
    // A failed node stops as well; its health keeps saying why.
    if (this.phase !== "failed") this.phase = "stopping";
  }

  info(): HealthInfo {
    const base = { nodeId: this.options.self(), isLeader: this.options.isManagementLeader() };
    switch (this.phase) {
      case "failed":
        return { ...base, status: "unavailable", reason: this.failure };
      case "stopping":
        return { ...base, status: "stopping", reason: "the node is shutting down" };
      case "starting":
        this.refresh();
        return this.isReady
          ? this.info()
          : { ...base, status: "starting", reason: this.lastStartupReason };
      case "ok": {
        const serving = this.options.serving();
        return serving.isReady
          ? { ...base, status: "ok" }
          : { ...base, status: "unavailable", reason: serving.reason };
      }
    }
  }
}
