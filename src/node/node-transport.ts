// The server and client halves of the transport this node speaks, with its security settings:
// TLS on both halves, and who may call what on the server.

import type { Clock, Logger } from "../lib/index.ts";
import { GrpcPeerTransport, GrpcTransportServer } from "../transport/grpc/index.ts";
import { HttpPeerTransport, HttpTransportServer, MetricsServer } from "../transport/http/index.ts";
import type { PeerTransport, TransportKind, TransportServer } from "../transport/index.ts";
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
  /** Serves /metrics on its own address (--metrics-listen); absent in simulations. */
  readonly metrics?: MetricsServer;
}

export function createNodeTransport(
  kind: TransportKind,
  logger: Logger,
  clock: Clock,
  security: NodeSecurity = {},
): NodeTransport {
  const tls = serverTlsOf(security);
  const access = accessPolicyOf(security);
  const peerTls = peerTlsOf(security);
  const credentials = peerCallCredentials(security);
  const serverOptions = {
    logger,
    ...(tls === undefined ? {} : { tls }),
    ...(access === undefined ? {} : { access }),
  };
  const peerOptions = {
    ...(peerTls === undefined ? {} : { tls: peerTls }),
    ...(credentials === undefined ? {} : { credentials }),
  };
  const metrics = new MetricsServer(serverOptions);
  if (kind === "grpc") {
    return {
      kind,
      server: new GrpcTransportServer({ ...serverOptions, clock }),
      peers: new GrpcPeerTransport({ ...peerOptions, clock }),
      metrics,
    };
  }
  return {
    kind,
    server: new HttpTransportServer(serverOptions),
    peers: new HttpPeerTransport(peerOptions),
    metrics,
  };
}

export function transportName(kind: TransportKind): string {
  return kind === "grpc" ? "gRPC" : "HTTP";
}

/** "host:port" or "[ipv6]:port" as the host and port to listen on. */
export function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(":");
  const host = address.slice(0, colon).replace(/^\[|\]$/g, "");
  return [host, Number(address.slice(colon + 1))];
}
