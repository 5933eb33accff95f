// Who may call each gRPC method: the access level of every raftoral method (see
// transport/access-policy.ts), and the authorize hook the server runs before a call starts.
// Health checking and reflection stay open (load balancers and tools); a raftoral method not
// listed here is treated as an operator call, so a new method is never open by mistake.

import type { AccessLevel, AccessPolicy } from "../index.ts";
import { AUTHORIZATION_HEADER, PEER_PROOF_HEADER } from "../index.ts";
import type { Metadata } from "./method.ts";
import { RaftServiceMethods, WorkflowManagementMethods } from "./raftoral-methods.ts";

const METHOD_ACCESS: ReadonlyMap<string, AccessLevel> = new Map<string, AccessLevel>([
  [RaftServiceMethods.sendMessage.path, "peer"],
  [RaftServiceMethods.streamMessages.path, "peer"],
  [RaftServiceMethods.addNode.path, "peer"],
  [RaftServiceMethods.discover.path, "client"],
  [RaftServiceMethods.getNodeHealth.path, "open"],
  [RaftServiceMethods.getClusterStatus.path, "status"],
  [RaftServiceMethods.leaveCluster.path, "admin"],
  [RaftServiceMethods.recoverGroups.path, "admin"],
  [RaftServiceMethods.clusterRetention.path, "admin"],
  [WorkflowManagementMethods.runWorkflowAsync.path, "client"],
  [WorkflowManagementMethods.runWorkflowSync.path, "client"],
  [WorkflowManagementMethods.waitForWorkflowCompletion.path, "client"],
  [WorkflowManagementMethods.signalWorkflow.path, "client"],
  [WorkflowManagementMethods.cancelWorkflow.path, "client"],
  [WorkflowManagementMethods.terminateWorkflow.path, "client"],
  [WorkflowManagementMethods.describeWorkflow.path, "client"],
  [WorkflowManagementMethods.listWorkflows.path, "client"],
]);

const OPEN_SERVICES = /^\/grpc\.(health\.v1\.Health|reflection\.v1(alpha)?\.ServerReflection)\//;

/** The access level of the method at `path`. */
export function accessOfMethod(path: string): AccessLevel {
  return METHOD_ACCESS.get(path) ?? (OPEN_SERVICES.test(path) ? "open" : "admin");
}

/**
 * The server's authorize hook for `policy` (none: a node that demands nothing): throws what
 * the policy throws, and says whether the call proved its caller, that is was not open.
 */
export function authorizeWith(
  policy: AccessPolicy | undefined,
): (path: string, metadata: Metadata) => boolean {
  return (path, metadata) => {
    const level = accessOfMethod(path);
    policy?.check(level, path, {
      authorization: metadata[AUTHORIZATION_HEADER],
      peerProof: metadata[PEER_PROOF_HEADER],
    });
    return level !== "open";
  };
}
