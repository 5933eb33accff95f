// How a caller's command becomes a live proposal of this node: the bound on proposals in
// flight, an id, a deadline and the metrics' timing. The host proposes it at its next turn.

import type { Clock, GroupId } from "../lib/index.ts";
import { ChainNotFollowedError, overloaded, shuttingDown } from "./errors.ts";
import type { ForwardingDesk } from "./forwarding-desk.ts";
import type { HostConfig } from "./host-config.ts";
import type { HostMetrics } from "./host-metrics.ts";
import type { ProposeOptions } from "./host-options.ts";
import type { PendingProposal } from "./pending.ts";

export interface ProposalIntakeOptions {
  readonly desk: ForwardingDesk;
  readonly metrics: HostMetrics;
  readonly clock: Clock;
  readonly config: HostConfig;
  readonly isStopped: () => boolean;
  /** Queues the proposal for the host's next turn. */
  readonly enqueue: (proposal: PendingProposal) => void;
}

export class ProposalIntake {
  private nextId = 1;

  constructor(private readonly options: ProposalIntakeOptions) {}

  /** Opens a proposal and queues it; its answer, and the proposal unless refused at once. */
  submit(
    groupId: GroupId,
    entryType: PendingProposal["entryType"],
    data: Uint8Array,
    options: ProposeOptions,
    follows?: PendingProposal,
  ): { readonly answer: Promise<unknown>; readonly proposal?: PendingProposal } {
    const { desk, metrics, config } = this.options;
    if (this.options.isStopped()) return { answer: Promise.reject(shuttingDown(groupId)) };
    if (desk.size() >= config.pendingProposalsMax) {
      metrics.proposalSettled(groupId, 0, 0, overloaded(groupId));
      return { answer: Promise.reject(overloaded(groupId)) };
    }
    let proposal: PendingProposal | undefined;
    const answer = new Promise<unknown>((resolve, reject) => {
      proposal = desk.open({
        id: this.nextId++,
        groupId,
        entryType,
        data,
        deadlineMs: this.deadline(options),
        follows,
        ...metrics.timedProposal(groupId, this.options.clock, { resolve, reject }),
      });
    });
    if (proposal !== undefined) this.options.enqueue(proposal);
    return { answer, ...(proposal === undefined ? {} : { proposal }) };
  }

  /** `first`, and `then` chained behind it (MultiRaftHost.proposeChained). */
  chained(
    groupId: GroupId,
    first: Uint8Array,
    then: Uint8Array,
    options: ProposeOptions,
  ): readonly [Promise<unknown>, Promise<unknown>] {
    const opened = this.submit(groupId, "normal", first, options);
    // Refused at once (stopping, overloaded): `then` must not go alone.
    const thenAnswer =
      opened.proposal === undefined
        ? Promise.reject(new ChainNotFollowedError(groupId))
        : this.submit(groupId, "normal", then, options, opened.proposal).answer;
    return [opened.answer, thenAnswer];
  }

  /** When a call made now with `options` times out. */
  deadline({ timeoutMs }: ProposeOptions): number {
    return this.options.clock.nowMs() + (timeoutMs ?? this.options.config.proposalTimeoutMs);
  }
}
