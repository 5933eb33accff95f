// The events the host's loop consumes. Transport handlers and API calls only queue these;
// the loop handles them at the start of its next turn (STYLE 1.4).

import type { GroupId, NodeId } from "../lib/index.ts";
import type { RaftInitialState } from "../raft/index.ts";
import type { PeerBatch } from "../transport/index.ts";
import type { ForcedRecovery } from "./forced-recovery.ts";
import type { PendingProposal, PendingRead } from "./pending.ts";
import type { StateMachine } from "./state-machine.ts";

export type HostEvent =
  | { readonly type: "batch"; readonly batch: PeerBatch }
  | { readonly type: "propose"; readonly proposal: PendingProposal }
  | { readonly type: "read"; readonly read: PendingRead }
  | { readonly type: "transfer"; readonly groupId: GroupId; readonly to: NodeId }
  | { readonly type: "unreachable"; readonly peer: NodeId }
  | { readonly type: "campaign"; readonly groupId: GroupId }
  | {
      readonly type: "create";
      readonly groupId: GroupId;
      readonly initial: RaftInitialState;
      readonly isNew: boolean;
      readonly stateMachine: StateMachine;
      readonly done: (error?: Error) => void;
    }
  | { readonly type: "remove"; readonly groupId: GroupId; readonly done: () => void }
  | {
      readonly type: "forceSoleVoter";
      readonly groupId: GroupId;
      readonly done: (outcome: ForcedRecovery | Error) => void;
    };
