// The server and client halves of the transport this node speaks, with its security settings:
// TLS on both halves, and who may call what on the server. Only the code of that transport is
// loaded (and the HTTP server's when --http-listen asks for it): loading a transport is most of
// the cost of a start (docs/performance.md, "Start-up").

import type { Clock, Logger } from "../lib/index.ts";
import {
  type NodeApi,
  PeerClocks,
  type PeerTransport,
  type TransportKind,
  type TransportServer,
} from "../transport/index.ts";
import {
  accessPolicyOf,
  type NodeSecurity,
  peerCallCredentials,
  peerTlsOf,
  serverTlsOf,
} from "./node-security.ts";

export interface NodeTransport {
  readonly kind: TransportKind;
  readonly server: TransportServer;
  readonly peers: PeerTransport;
  /**
   * The HTTP API for people and tools on a second address (--http-listen); absent without it,
   * and in simulations.
   */
  readonly operator?: TransportServer;
}

export async function createNodeTransport(
  kind: TransportKind,
  logger: Logger,
  clock: Clock,
  security: NodeSecurity = {},
  withOperator = false,
  peerClocks = new PeerClocks(),
): Promise<NodeTransport> {
  const tls = serverTlsOf(security);
  const access = accessPolicyOf(security);
  const peerTls = peerTlsOf(security);
  const credentials = peerCallCredentials(security, peerClocks);
  const serverOptions = {
    logger,
    ...(tls === undefined ? {} : { tls }),
    ...(access === undefined ? {} : { access }),
  };
  const peerOptions = {
    ...(peerTls === undefined ? {} : { tls: peerTls }),
    ...(credentials === undefined ? {} : { credentials }),
  };
  const { corsOrigins } = security;
  const httpOptions = { ...serverOptions, ...(corsOrigins === undefined ? {} : { corsOrigins }) };
  let operator: TransportServer | undefined;
  if (withOperator) {
    const { HttpTransportServer } = await import("../transport/http/index.ts");
    operator = new HttpTransportServer({ ...httpOptions, servesPeers: false });
  }
  const withOperatorField = operator === undefined ? {} : { operator };
  if (kind === "grpc") {
    const { GrpcPeerTransport, GrpcTransportServer } = await import("../transport/grpc/index.ts");
    return {
      kind,
      server: new GrpcTransportServer({ ...serverOptions, clock }),
      peers: new GrpcPeerTransport({ ...peerOptions, clock }),
      ...withOperatorField,
    };
  }
  const { HttpPeerTransport, HttpTransportServer } = await import("../transport/http/index.ts");
  return {
    kind,
    server: new HttpTransportServer(httpOptions),
    peers: new HttpPeerTransport(peerOptions),
    ...withOperatorField,
  };
}

/** Starts loading the code createNodeTransport needs for `kind`, without waiting for it. */
export function preloadTransportCode(kind: TransportKind, withOperator: boolean): void {
  const loads: Promise<unknown>[] = [
    kind === "grpc" ? import("../transport/grpc/index.ts") : import("../transport/http/index.ts"),
  ];
  if (withOperator) loads.push(import("../transport/http/index.ts"));
  for (const load of loads) {
    // Handled: createNodeTransport imports the same module when it needs it, and a failure to
    // load it (kept by the module registry) shows there.
    load.catch(() => undefined);
  }
}

export function transportName(kind: TransportKind): string {
  return kind === "grpc" ? "gRPC" : "HTTP";
}

/** Starts the node's server on --listen, and the operator's on --http-listen if asked. */
export async function listenOn(
  transport: NodeTransport,
  addresses: { readonly listen: string; readonly httpListen?: string | undefined },
  api: NodeApi,
  logger: Logger,
): Promise<void> {
  const [host, port] = splitAddress(addresses.listen);
  logger.info(`Starting ${transportName(transport.kind)} server`, { address: addresses.listen });
  await transport.server.listen(host, port, api);
  const { httpListen } = addresses;
  if (httpListen === undefined || transport.operator === undefined) return;
  const [httpHost, httpPort] = splitAddress(httpListen);
  logger.info("Starting HTTP server for clients and operators", { address: httpListen });
  await transport.operator.listen(httpHost, httpPort, api);
}

/** "host:port" or "[ipv6]:port" as the host and port to listen on. */
export function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(":");
  const host = address.slice(0, colon).replace(/^\[|\]$/g, "");
  return [host, Number(address.slice(colon + 1))];
}
