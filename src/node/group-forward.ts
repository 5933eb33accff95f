// Forwarding a workflow call to a member of an execution group this node does not host, so
// callers never see "not a member": each member is tried in turn until one answers.

import { isWorthAnotherNode, type ProtocolClient } from "../client/index-core.ts";
import { type GroupId, type NodeId, RaftoralError, toError } from "../lib/index.ts";
import type { ManagementState } from "../management/index.ts";
import type { TransportKind } from "../transport/index.ts";
import type { PeerClients } from "./peer-clients.ts";

export interface ForwardContext {
  readonly state: ManagementState;
  readonly self: NodeId;
  readonly transport: TransportKind;
  readonly clients: PeerClients;
}

export interface ForwardOptions {
  /**
   * Whether the call may be sent again after an answer was lost (RaftoralError.isAnswerLost):
   * true for reads and for calls the group deduplicates (an id in the request).
   */
  readonly isRepeatable: boolean;
}

/**
 * Runs `call` against a member of `target`, trying each until one answers. A call that is not
 * repeatable goes to the next member only while none may have received it.
 *
 * A member of `target` never forwards: it serves its own group, and one that cannot yet (it
 * resumes, or its replica is being added) says so. Two members resuming at once each sent the
 * call on to the other, which sent it back, until their connections to each other ran out and
 * every call between them waited for a timeout: 10 to 55 s after a restart of the whole
 * cluster, for any workflow call.
 */
export async function forwardToGroup<T>(
  context: ForwardContext,
  target: GroupId,
  call: (client: ProtocolClient) => Promise<T>,
  options: ForwardOptions = { isRepeatable: true },
): Promise<T> {
  const { state } = context;
  const group = state.groups.get(target);
  const everyMember = [...(group?.voters ?? []), ...(group?.members ?? [])];
  if (everyMember.includes(context.self)) {
    throw new RaftoralError(
      "UNAVAILABLE",
      `node ${context.self} does not run its replica of execution cluster ${target} yet (it is starting, or the replica is being added); retry shortly or ask another node`,
      { isNotDone: true },
    );
  }
  // The leader as the group last reported it first: a member that hangs (paused, cut off)
  // holds a call for 5 s before it is given up, and a start without an id is never sent on to
  // the next one, so always asking the first voter failed every such start while it hung.
  const leader = group?.leaderId;
  const members = [...(leader !== undefined ? [leader] : []), ...everyMember].filter(
    (id) => id !== context.self && everyMember.includes(id),
  );
  const addresses = [...new Set(members)]
    .map((id) => state.nodes.get(id)?.address)
    .filter((a) => a !== undefined);
  if (addresses.length === 0) {
    throw new RaftoralError(
      "UNAVAILABLE",
      `no reachable member of execution cluster ${target}; retry shortly`,
      { isNotDone: true },
    );
  }
  let lastError: Error | undefined;
  // What a member answered says more than a member that could not be reached ("no leader
  // for 7 s" rather than "connection refused" from the dead voter tried last).
  let answered: Error | undefined;
  // Whether a member may have done the call: one that answered without saying it did nothing
  // (RaftoralError.isNotDone), or lost its answer. A member that could not be reached did not.
  let mayBeDone = false;
  for (const address of addresses) {
    try {
      return await context.clients.call(context.transport, address, call);
    } catch (error) {
      lastError = ourRefusal(toError(error), address);
      mayBeDone ||= isMaybeDone(lastError);
      if (lastError instanceof RaftoralError && lastError.isAnswer) answered ??= lastError;
      // This node's own limit of calls in flight to that member: nothing was sent, and the
      // caller's call is not what is too much (a backlog after a restart of the cluster).
      if (isBusyHere(lastError)) continue;
      // A member that cannot serve now may be followed by one that can; an answer is final.
      if (!isWorthAnotherNode(lastError)) throw lastError;
      if (!options.isRepeatable && (lastError as RaftoralError).isAnswerLost) throw lastError;
    }
  }
  if (lastError !== undefined && isBusyHere(lastError)) {
    throw new RaftoralError(
      "UNAVAILABLE",
      `node ${context.self} has too many calls waiting on execution cluster ${target}'s ` +
        `members to forward this one; retry shortly (${lastError.message})`,
      { cause: lastError, isNotDone: !mayBeDone },
    );
  }
  const failure =
    answered ??
    lastError ??
    new RaftoralError("UNAVAILABLE", `execution cluster ${target} is unreachable`);
  throw mayBeDone ? failure : asNotDone(failure);
}

function isMaybeDone(error: Error): boolean {
  if (!(error instanceof RaftoralError)) return true;
  return error.isAnswerLost || (error.isAnswer && !error.isNotDone);
}

/** `error`, said to have done nothing (RaftoralError.isNotDone), keeping its code and text. */
function asNotDone(error: Error): RaftoralError {
  if (error instanceof RaftoralError && error.isNotDone) return error;
  const code = error instanceof RaftoralError ? error.code : "UNAVAILABLE";
  const isAnswer = error instanceof RaftoralError && error.isAnswer;
  return new RaftoralError(code, error.message, { cause: error, isAnswer, isNotDone: true });
}

/**
 * A member that refused this node's proof of the cluster secret refused this node, not the
 * caller: passed on as it is, the caller would take it for a refusal of its own credentials,
 * and a node calling through this one would learn the member's clock as this node's.
 */
function ourRefusal(error: Error, address: string): Error {
  if (!(error instanceof RaftoralError) || error.code !== "UNAUTHENTICATED") return error;
  return new RaftoralError("UNAVAILABLE", `${address} refused this node: ${error.message}`, {
    cause: error,
    isAnswer: true,
    isNotDone: true,
  });
}

function isBusyHere(error: Error): boolean {
  return error instanceof RaftoralError && error.code === "RESOURCE_EXHAUSTED" && !error.isAnswer;
}
