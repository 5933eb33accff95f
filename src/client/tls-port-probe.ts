// What a TLS handshake with a node says after Bun's fetch reported only ECONNRESET, as it does
// for a node that died in the middle of a request. Two mistakes look the same to it:
//   - an http:// request to an HTTPS node: a TLS port never reads cleartext as a request;
//   - a client certificate the node refuses (another CA, out of its dates): the node closes
//     the connection right after the handshake, before it reads the request.
// Either way the request was taken by no one, where the client said it may have been: a start
// without an id was reported "maybe done" and sent to no other node. Asked only on that
// failure, from a client that has had no answer from the node yet.

import * as net from "node:net";
import * as tls from "node:tls";
import { parseAddress } from "../lib/index.ts";
import type { ClientTls } from "../transport/index.ts";

/** How long a probe waits for the handshake, and then for the node to close. */
const TLS_PROBE_TIMEOUT_MS = 1_000;

/** What the handshake showed: the port speaks TLS; and the node closed right after it. */
interface Handshake {
  readonly speaksTls: boolean;
  readonly closedAfter: boolean;
}

/**
 * Whether a TLS handshake with `address` (host:port) completes, whoever signed its
 * certificate (nothing is sent on the connection), and with `watchClose`, whether the node
 * then closed it within the probe's time without a word: a node that took the client's
 * certificate keeps an idle connection open far longer.
 */
function handshake(address: string, clientTls: ClientTls, watchClose: boolean): Promise<Handshake> {
  const parsed = parseAddress(address);
  if (!parsed.ok) return Promise.resolve({ speaksTls: false, closedAfter: false });
  const { host, port } = parsed.address;
  return new Promise((resolve) => {
    let speaksTls = false;
    const socket = tls.connect({
      ...clientTls,
      host,
      port,
      ...(net.isIP(host) === 0 ? { servername: host } : {}),
      // Only whether it speaks TLS, not whom to trust: the connection carries nothing.
      rejectUnauthorized: false,
    });
    const done = (closedAfter: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ speaksTls, closedAfter });
    };
    const timer = setTimeout(() => done(false), TLS_PROBE_TIMEOUT_MS);
    socket.once("secureConnect", () => {
      speaksTls = true;
      if (!watchClose) done(false);
    });
    socket.once("error", () => done(speaksTls));
    socket.once("close", () => done(speaksTls));
  });
}

/** Whether the cleartext port `address` reset a request because it speaks TLS. */
export async function speaksTls(address: string): Promise<boolean> {
  return (await handshake(address, {}, false)).speaksTls;
}

/** Whether the node at `address` closes a connection made with `clientTls` after its handshake. */
export async function refusesCertificate(address: string, clientTls: ClientTls): Promise<boolean> {
  return (await handshake(address, clientTls, true)).closedAfter;
}
