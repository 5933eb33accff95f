// A NodeApi that only takes peer batches into a host and answers health: for tests of the
// Raft host and the transports that run no management group or workflows.

import type { MultiRaftHost } from "../../src/multiraft/index.ts";
import type { NodeApi } from "../../src/transport/index.ts";
import type { LatencyProbe } from "./latency-probe.ts";

export function peerOnlyApi(host: MultiRaftHost, probe?: LatencyProbe): NodeApi {
  const unsupported = () => Promise.reject(new Error("not served by a peer-only test node"));
  return {
    receivePeerBatch: (batch) => {
      probe?.received(batch);
      host.receive(batch);
    },
    discover: unsupported,
    register: unsupported,
    health: () => ({ status: "ok", nodeId: host.nodeId, isLeader: false }),
    startWorkflow: unsupported,
    waitWorkflow: unsupported,
    runWorkflow: unsupported,
    signalWorkflow: unsupported,
    cancelWorkflow: unsupported,
    terminateWorkflow: unsupported,
    describeWorkflow: unsupported,
    listWorkflows: unsupported,
    clusterStatus: unsupported,
    metrics: () => "",
    probeNodes: unsupported,
    healthDetails: () => ({ status: "ok", nodeId: host.nodeId, isLeader: false, groups: [] }),
    leave: unsupported,
    recoverGroups: unsupported,
    clusterRetention: unsupported,
  };
}
