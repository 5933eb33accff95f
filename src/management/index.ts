// Public surface of src/management: the management group's replicated state and the pure
// decisions of the ClusterManager and of execution group leaders.

export {
  CATCH_UP_SLACK_ENTRIES,
  type ClusterView,
  GROUP_SIZE_MAX,
  GROUP_SIZE_MIN,
  type ManagerAction,
  placeNodes,
  planCluster,
} from "./cluster-manager.ts";
export {
  decodeManagementCommand,
  encodeManagementCommand,
  type ManagementCommand,
} from "./commands.ts";
export {
  type GroupMembershipStep,
  type GroupMembershipView,
  planGroupMembership,
} from "./group-membership-plan.ts";
export { heirOf } from "./heir.ts";
export { type CheckInResult, checkIn } from "./incarnation.ts";
export { checkManagementInvariants } from "./invariants.ts";
export {
  type LeaderContactView,
  type LivenessView,
  planRejoin,
  silenceMs,
  silentNodes,
} from "./liveness.ts";
export {
  applyCommand,
  ManagementMachine,
  ManagementRefusal,
  type ManagementResult,
  managementResultOf,
} from "./management-machine.ts";
export {
  activeNodeIds,
  type ClusterTransport,
  emptyManagementState,
  everyMemberApplies,
  FORCED_REPORT_RULES,
  type GroupRecord,
  groupsOf,
  highestNodeId,
  isCountedOn,
  MANAGEMENT_RULES_VERSION,
  type ManagementState,
  type NodeRecord,
  PAIRED_WAITS_RULES,
  resultsHolder,
  type WorkflowIdClaim,
} from "./management-state.ts";
export { planReplicas, type ReplicaAction, type ReplicaView } from "./replica-plan.ts";
export {
  planReplicaRenewal,
  type ReplicaRenewalDecision,
  type ReplicaRenewalView,
} from "./replica-renewal-plan.ts";
export { type GroupReportView, planGroupReports } from "./report-plan.ts";
export { onlyVoter, voterTarget } from "./voter-target.ts";
export { WORKFLOW_ID_CLAIMS_MAX } from "./workflow-id-claims.ts";
