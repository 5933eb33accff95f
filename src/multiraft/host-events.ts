// The events the host's loop consumes. Transport handlers and API calls only queue these; the
// loop handles them at the start of its next turn (STYLE 1.4). A stopped host drops them,
// telling whoever waits on one.

import type { GroupId, NodeId } from "../lib/index.ts";
import type { RaftInitialState } from "../raft/index.ts";
import type { PeerBatch } from "../transport/index.ts";
import { shuttingDown } from "./errors.ts";
import type { ForcedRecovery } from "./forced-recovery.ts";
import type { PendingProposal, PendingRead } from "./pending.ts";
import type { StateMachine } from "./state-machine.ts";

export type HostEvent =
  | { readonly type: "batch"; readonly batch: PeerBatch; readonly bytes: number }
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

/** An event a stopped host will never handle: whoever waits on it hears so now. */
export function dropEvent(event: HostEvent): void {
  switch (event.type) {
    case "create":
    case "forceSoleVoter":
      event.done(shuttingDown(event.groupId));
      return;
    case "remove":
      event.done();
      return;
    case "propose":
      event.proposal.reject(shuttingDown(event.proposal.groupId));
      return;
    case "read":
      event.read.reject(shuttingDown(event.read.groupId));
      return;
    default:
      // The rest (batches, ticks' work, transfers) waits for nothing.
      return;
  }
}
