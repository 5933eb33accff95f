// Routes an inbound batch by group (the wire's cluster_id): Raft messages to their group,
// forwarded proposals and their answers to the forwarding desk. Messages for a group this
// node does not host get one rate-limited log line and an UnknownGroup reply, never a crash.

import type { Clock, GroupId, Logger, NodeId } from "../lib/index.ts";
import type { PeerBatch, PeerMessage } from "../transport/index.ts";
import type { ForwardingDesk } from "./forwarding-desk.ts";
import type { GroupRegistry } from "./group-registry.ts";

const UNKNOWN_GROUP_LOG_INTERVAL_MS = 10_000;

export class BatchRouter {
  private readonly unknownGroupLoggedMs = new Map<GroupId, number>();

  constructor(
    private readonly options: {
      readonly self: NodeId;
      readonly groups: GroupRegistry;
      readonly desk: ForwardingDesk;
      readonly clock: Clock;
      readonly logger: Logger;
      readonly reply: (peer: NodeId, message: PeerMessage) => void;
    },
  ) {}

  route(batch: PeerBatch): void {
    const { self, groups, desk, logger } = this.options;
    if (batch.to !== self) {
      logger.warn("Dropping a batch addressed to another node", {
        from: batch.from,
        to: batch.to,
        self,
      });
      return;
    }
    const unknown = new Set<GroupId>();
    for (const message of batch.messages) {
      const group = groups.get(message.groupId);
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
    for (const groupId of unknown) {
      this.logUnknownGroup(batch.from, groupId);
      this.options.reply(batch.from, { type: "unknownGroup", groupId });
    }
  }

  /** At most one line per group per interval: a peer may keep sending for a long time. */
  private logUnknownGroup(peer: NodeId, groupId: GroupId): void {
    const now = this.options.clock.nowMs();
    const last = this.unknownGroupLoggedMs.get(groupId) ?? Number.NEGATIVE_INFINITY;
    if (now - last < UNKNOWN_GROUP_LOG_INTERVAL_MS) return;
    this.unknownGroupLoggedMs.set(groupId, now);
    this.options.logger.warn("Ignoring messages for a group this node does not host", {
      peer,
      group: groupId,
    });
  }
}
