// How the node calls another node over the client protocol (joining, registering again,
// asking the leader for the cluster's status, forwarding a workflow call, probing health):
// a client per call, always closed, and one rule for when another node is worth trying,
// the same RaftoralClient uses (isWorthAnotherNode).

import type { ProtocolClient } from "../client/index-core.ts";
import type { TransportKind } from "../transport/index.ts";

/**
 * Makes a client of one node over one protocol (injected, so simulations can use memory). The
 * real one loads the protocol's client code at its first use, hence the promise.
 */
export type ClientFactory = (
  kind: TransportKind,
  address: string,
) => ProtocolClient | Promise<ProtocolClient>;

/** Opens a client to `address`, makes one call with it, and closes it whatever happens. */
export async function callPeer<T>(
  factory: ClientFactory,
  kind: TransportKind,
  address: string,
  call: (client: ProtocolClient) => Promise<T>,
): Promise<T> {
  const client = await factory(kind, address);
  try {
    return await call(client);
  } finally {
    await client.close();
  }
}
