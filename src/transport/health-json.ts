// GET /health's body, the same from an HTTP node and from a gRPC node's port.

import type { HealthInfo } from "./node-api.ts";

/** `{status, node_id, is_leader, reason?}`; a load balancer reads the status code (200 or 503). */
export function healthJson(health: HealthInfo) {
  return {
    status: health.status,
    node_id: health.nodeId,
    is_leader: health.isLeader,
    ...(health.reason === undefined ? {} : { reason: health.reason }),
  };
}
