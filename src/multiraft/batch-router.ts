// Routes an inbound batch by group (the wire's cluster_id): Raft messages to their group,
// forwarded proposals and their answers to the forwarding desk. Messages for a group this
// node does not host get an UnknownGroup reply and a rate-limited log line, never a crash.
// Only a sender that talks about a group this node hosts counts as heard from: a stream of
// made-up senders or groups must not leave state behind per sender or per group.

import type { Clock, GroupId, Logger, NodeId } from "../lib/index.ts";
import type { PeerBatch, PeerMessage } from "../transport/index.ts";
import type { ForwardingDesk } from "./forwarding-desk.ts";
import type { GroupRegistry } from "./group-registry.ts";

const LOG_INTERVAL_MS = 10_000;

export class BatchRouter {
  private unknownGroupLoggedMs = Number.NEGATIVE_INFINITY;
  private unknownGroupMessages = 0;
  private misaddressedLoggedMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly options: {
      readonly self: NodeId;
      readonly groups: GroupRegistry;
      readonly desk: ForwardingDesk;
      readonly clock: Clock;
      readonly logger: Logger;
      readonly reply: (peer: NodeId, message: PeerMessage) => void;
      /** `batch` carried something for a hosted group: its sender is alive and where it says. */
      readonly onHeard: (batch: PeerBatch) => void;
    },
  ) {}

  route(batch: PeerBatch): void {
    const { self, groups, desk, logger } = this.options;
    if (batch.to !== self) {
      this.logMisaddressed(batch);
      return;
    }
    const unknown = new Set<GroupId>();
    let isHeard = false;
    for (const message of batch.messages) {
      const group = groups.get(message.groupId);
      if (group !== undefined) isHeard = true;
      switch (message.type) {
        case "raft":
          if (group === undefined || message.message.to !== self) unknown.add(message.groupId);
          else group.raw.step(message.message);
          break;
        case "forward":
          desk.handleForward(batch.from, message, group);
          break;
        case "forwardResult":
          desk.handleForwardResult(message, group);
          break;
        case "unknownGroup":
          logger.debug("Peer does not host a group", { peer: batch.from, group: message.groupId });
          break;
      }
    }
    if (isHeard) this.options.onHeard(batch);
    for (const groupId of unknown) {
      this.logUnknownGroup(batch.from, groupId);
      this.options.reply(batch.from, { type: "unknownGroup", groupId });
    }
  }

  /** One line per interval, counting what it stands for: a peer may send for a long time. */
  private logUnknownGroup(peer: NodeId, groupId: GroupId): void {
    this.unknownGroupMessages++;
    const now = this.options.clock.nowMs();
    if (now - this.unknownGroupLoggedMs < LOG_INTERVAL_MS) return;
    this.unknownGroupLoggedMs = now;
    this.options.logger.warn("Ignoring messages for a group this node does not host", {
      peer,
      group: groupId,
      ignored_total: this.unknownGroupMessages,
    });
  }

  private logMisaddressed(batch: PeerBatch): void {
    const now = this.options.clock.nowMs();
    if (now - this.misaddressedLoggedMs < LOG_INTERVAL_MS) return;
    this.misaddressedLoggedMs = now;
    this.options.logger.warn("Dropping a batch addressed to another node", {
      from: batch.from,
      to: batch.to,
      self: this.options.self,
    });
  }
}
