// A node that takes a registration first calls the joining node at the address it registers.
// That address is recorded for good: every group the node is placed in sends to it, and a
// registration of an address another node holds removes that node (the management machine
// reads it as the same node back without its storage). A wrong --advertise used to be found
// only afterwards: the node joined, no group could reach it, the cluster removed it 30 s later
// for its silence, it registered again, and so on. Now the join fails at once, saying why.

import { NO_NODE, RaftoralError, toError } from "../lib/index.ts";
import type { RegisterRequest, TransportKind } from "../transport/index.ts";
import type { PeerClients } from "./peer-clients.ts";

export interface RegistrantCheck {
  readonly kind: TransportKind;
  readonly clients: PeerClients;
  /** The node taking the registration, as named in its refusals. */
  readonly self: number;
  /** The call's deadline (ms). */
  readonly timeoutMs: number;
}

const WHAT_TO_DO =
  "check the joining node's --advertise address (it defaults to --listen), and that its port " +
  "is open to the other nodes";

/**
 * A check that resolves when `request.address` answers as the joining node (its instance id,
 * when both builds have one). Unreachable: UNAVAILABLE, so that the joining node tries its
 * other peers (another may reach it) until its join times out. Another node answering:
 * FAILED_PRECONDITION, which the joining node does not retry.
 */
export function registrantCheck(
  check: RegistrantCheck,
): (request: RegisterRequest) => Promise<void> {
  return (request) => checkRegistrantAddress(check, request);
}

async function checkRegistrantAddress(
  check: RegistrantCheck,
  request: RegisterRequest,
): Promise<void> {
  const { address, instanceId } = request;
  const found = await check.clients
    .call(check.kind, address, (client) => client.discover({ timeoutMs: check.timeoutMs }))
    .catch((error: unknown) => {
      throw new RaftoralError(
        "UNAVAILABLE",
        `node ${check.self} cannot reach the joining node at the address it registers, ` +
          `${address} (${toError(error).message}): every node must reach every other at the ` +
          `address it advertises; ${WHAT_TO_DO}`,
      );
    });
  if (instanceId === undefined || found.instanceId === undefined) return;
  if (found.instanceId === instanceId) return;
  const other = found.nodeId === NO_NODE ? "another node that is starting" : `node ${found.nodeId}`;
  throw new RaftoralError(
    "FAILED_PRECONDITION",
    `the address this node registers, ${address}, leads to ${other}, not to this node: each ` +
      `node needs an address of its own; ${WHAT_TO_DO}`,
  );
}
