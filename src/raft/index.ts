// Public surface of src/raft: the pure Raft algorithm and its data types.

export { bootstrapState, emptyState } from "./bootstrap.ts";
export { decodeConfChange, encodeConfChange } from "./conf-change-codec.ts";
export { DEFAULT_RAFT_CONFIG, type RaftConfig } from "./config.ts";
export { CommittedEntryLostError } from "./lost-commit.ts";
export {
  applyConfChange,
  checkProposable,
  confStateOf,
  jointVotersOf,
  type Membership,
  membershipFromConfState,
} from "./membership.ts";
export {
  type AppendEntries,
  type AppendEntriesResponse,
  canSendBeforePersist,
  type Heartbeat,
  type HeartbeatResponse,
  type InstallSnapshot,
  type InstallSnapshotResponse,
  type RaftMessage,
  type RaftMessageType,
  type ReadIndexRequest,
  type ReadIndexResponse,
  type TimeoutNow,
  type TransferLeaderRequest,
  type VoteRequest,
  type VoteResponse,
} from "./messages.ts";
export {
  type AckedIndex,
  jointCommittedIndex,
  jointVoteResult,
  majorityCommittedIndex,
  majorityVoteResult,
  majorityWithout,
  toleratedFailures,
  type VoteResult,
} from "./quorum.ts";
export {
  PROPOSAL_REFUSALS,
  type ProposalRefusal,
  type ProposeResult,
  type RaftInitialState,
  type RaftMutations,
  type ReadState,
  type Role,
} from "./raft.ts";
export {
  leavesBeforePersist,
  type RaftStatus,
  RawNode,
  type ReadRequestResult,
  type Ready,
  type SoftState,
} from "./raw-node.ts";
export { UNHEARD_ELECTION_TIMEOUTS } from "./step.ts";
export {
  type ConfChange,
  type ConfChangeSingle,
  type ConfChangeTransition,
  type ConfChangeType,
  type ConfState,
  EMPTY_CONF_STATE,
  type Entry,
  type EntryType,
  type HardState,
  type Snapshot,
  type SnapshotMetadata,
} from "./types.ts";
