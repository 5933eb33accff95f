// GET /health's body, the same from an HTTP node and from a gRPC node's port.

import type { HealthInfo } from "./node-api.ts";

/** `{status, node_id, is_leader, reason?}`. */
export function healthJson(health: HealthInfo) {
  return {
    status: health.status,
    node_id: health.nodeId,
    is_leader: health.isLeader,
    ...(health.reason === undefined ? {} : { reason: health.reason }),
  };
}

/** The status code of GET /health: only a node that is up takes a load balancer's traffic. */
export function healthHttpStatus(health: Pick<HealthInfo, "status">): 200 | 503 {
  return health.status === "ok" ? 200 : 503;
}
