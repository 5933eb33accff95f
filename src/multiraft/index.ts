// Public surface of src/multiraft: many Raft groups on one node, one event loop.

export {
  ApplyError,
  ProposalError,
} from "./errors.ts";
export type { ForcedRecovery } from "./forced-recovery.ts";
export { MultiRaftHost } from "./host.ts";
export type { HostConfig } from "./host-config.ts";
export { INBOX_BYTES_MAX, INBOX_MESSAGES_MAX } from "./host-inbox.ts";
export type {
  GroupInspector,
  LostCommitRenewal,
  MultiRaftHostOptions,
  PeerSink,
  ProposeOptions,
} from "./host-options.ts";
export type { MembershipDirectory } from "./membership-directory.ts";
export type { HeardFrom } from "./peer-hearing.ts";
export type { GroupStart, StateMachine } from "./state-machine.ts";
