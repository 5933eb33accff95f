// RaftService/ClusterRetention onto NodeApi.clusterRetention. proto3 has no presence for
// scalars here, so the request says which durations it sets (set_retain_for,
// set_retain_at_least); a finished_max of 0 leaves the count as it is (the least is 1).

import type { NodeApi } from "../index.ts";
import { RaftServiceMethods } from "./raftoral-methods.ts";
import type { GrpcServer } from "./server.ts";

export function registerClusterRetention(server: GrpcServer, api: NodeApi): void {
  server.addUnary(RaftServiceMethods.clusterRetention, async (request, context) => {
    const info = await api.clusterRetention(
      {
        ...(request.finishedMax === 0 ? {} : { finishedMax: request.finishedMax }),
        ...(request.setRetainFor ? { retainForMs: request.retainForMs } : {}),
        ...(request.setRetainAtLeast ? { retainAtLeastMs: request.retainAtLeastMs } : {}),
      },
      { signal: context.signal },
    );
    return { ...info.retention, isSet: info.isSet };
  });
}
