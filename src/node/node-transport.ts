// The server and client halves of the transport this node speaks.

import type { Clock, Logger } from "../lib/index.ts";
import { GrpcPeerTransport, GrpcTransportServer } from "../transport/grpc/index.ts";
import { HttpPeerTransport, HttpTransportServer } from "../transport/http/index.ts";
import type { PeerTransport, TransportKind, TransportServer } from "../transport/index.ts";

export interface NodeTransport {
  readonly kind: TransportKind;
  readonly server: TransportServer;
  readonly peers: PeerTransport;
}

export function createNodeTransport(
  kind: TransportKind,
  logger: Logger,
  clock: Clock,
): NodeTransport {
  if (kind === "grpc") {
    return {
      kind,
      server: new GrpcTransportServer({ logger, clock }),
      peers: new GrpcPeerTransport({ clock }),
    };
  }
  return { kind, server: new HttpTransportServer({ logger }), peers: new HttpPeerTransport() };
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
