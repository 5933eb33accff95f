// fetch has no ping: a node that went silent mid-call (its host gone, a network that drops
// every packet) leaves the call waiting out its whole deadline, minutes for a wait. While
// calls to a node are in flight, HttpLiveness asks the node for its health once a second (the
// timing of transport/keepalive.ts, as the gRPC client pings its connection), and when no
// answer came for 5 s it abandons those calls as UNAVAILABLE: the node may have done the work,
// so the answer counts as lost (RaftoralClient retries only what is safe to retry).
// The check goes on a connection of its own (http-health-probe.ts), so it says that the node
// answers, not that the calls' own connections still work: unlike a gRPC ping, it does not
// notice a connection that a middlebox dropped while the node is fine. Such a call waits out
// its deadline.

import { type Clock, RaftoralError, RealClock } from "../lib/index.ts";
import { Keepalive, type KeepaliveTiming } from "../transport/index.ts";

export class HttpLiveness {
  private readonly calls = new Set<AbortController>();
  /** Pinging while calls are in flight; a new one for each stretch of calls. */
  private keepalive: Keepalive | undefined;
  /** Gives up on the check in flight, if any: nothing is left open once calls are over. */
  private cancelCheck: (() => void) | undefined;

  constructor(
    private readonly address: string,
    /**
     * Asks the node for a sign of life, `answered` once any answer came; returns what gives
     * up on the question.
     */
    private readonly check: (answered: () => void) => () => void,
    private readonly timing: KeepaliveTiming,
    private readonly clock: Clock = new RealClock(),
  ) {}

  /** Runs `call` with a signal that aborts it, with the reason, if the node goes silent. */
  async watch<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    this.calls.add(controller);
    if (this.keepalive === undefined) {
      this.keepalive = new Keepalive(this.clock, this.timing, {
        ping: (answered) => {
          this.cancelCheck = this.check(answered);
        },
        dead: (message) => this.abandon(message),
        isInUse: () => this.calls.size > 0,
      });
      this.keepalive.start();
    }
    try {
      return await call(controller.signal);
    } catch (error) {
      throw controller.signal.aborted ? controller.signal.reason : error;
    } finally {
      this.calls.delete(controller);
      if (this.calls.size === 0) this.stop();
    }
  }

  /** No more checks, and none left in flight. */
  stop(): void {
    this.keepalive?.stop();
    this.keepalive = undefined;
    this.cancelCheck?.();
    this.cancelCheck = undefined;
  }

  private abandon(message: string): void {
    this.stop();
    const error = new RaftoralError(
      "UNAVAILABLE",
      `${this.address} stopped answering: ${message}`,
      {
        isAnswerLost: true,
      },
    );
    for (const controller of this.calls) controller.abort(error);
  }
}
