// Public surface of src/multiraft: many Raft groups on one node, one event loop.

export {
  ApplyError,
  ProposalError,
} from "./errors.ts";
export {
  type GroupInspector,
  MultiRaftHost,
  type MultiRaftHostOptions,
  type PeerSink,
  type ProposeOptions,
} from "./host.ts";
export type { HostConfig } from "./host-config.ts";
export type { GroupStart, StateMachine } from "./state-machine.ts";
