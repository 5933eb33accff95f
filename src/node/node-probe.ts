// Every node's health as this node reaches it right now: one health call per node, all at
// once, each bounded by a short deadline. The console shows it; a node that does not answer
// in time is "unreachable" from here, which is what an operator watching a failure wants.

import { type Clock, toError } from "../lib/index.ts";
import type { ManagementState } from "../management/index.ts";
import type { NodeProbe, TransportKind } from "../transport/index.ts";
import type { PeerClients } from "./peer-clients.ts";

export async function probeNodes(options: {
  readonly state: ManagementState;
  readonly kind: TransportKind;
  readonly clients: PeerClients;
  readonly clock: Clock;
  /** One health call's deadline (ms). */
  readonly timeoutMs: number;
}): Promise<NodeProbe[]> {
  const nodes = [...options.state.nodes.values()].sort((a, b) => a.id - b.id);
  return Promise.all(
    nodes.map(async (node): Promise<NodeProbe> => {
      const startedMs = options.clock.nowMs();
      try {
        const health = await options.clients.call(options.kind, node.address, (client) =>
          client.health({ timeoutMs: options.timeoutMs }),
        );
        return {
          nodeId: node.id,
          address: node.address,
          status: health.status,
          ...(health.reason === undefined ? {} : { reason: health.reason }),
          latencyMs: Math.round((options.clock.nowMs() - startedMs) * 10) / 10,
        };
      } catch (error) {
        return {
          nodeId: node.id,
          address: node.address,
          status: "unreachable",
          reason: toError(error).message,
        };
      }
    }),
  );
}
