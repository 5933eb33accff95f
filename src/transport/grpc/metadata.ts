// Request headers as handler metadata, and the caller's address. Pure helpers over what
// node:http2 hands us.

import type { IncomingHttpHeaders } from "node:http2";
import type { Metadata } from "./method.ts";

// Headers that belong to the transport, not to the application.
const TRANSPORT_HEADERS = new Set([
  "content-type",
  "te",
  "grpc-timeout",
  "grpc-encoding",
  "grpc-accept-encoding",
  "content-length",
]);

/** Custom request metadata: every non-pseudo, non-transport header, repeated values joined. */
export function metadataOf(headers: IncomingHttpHeaders): Metadata {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (key.startsWith(":") || TRANSPORT_HEADERS.has(key) || value === undefined) continue;
    metadata[key] = Array.isArray(value) ? value.join(", ") : value;
  }
  return metadata;
}

/** "127.0.0.1:53412" or "[::1]:53412"; "unknown" when the socket is already gone. */
export function peerOf(
  socket: { remoteAddress?: string | undefined; remotePort?: number | undefined } | undefined,
): string {
  const address = socket?.remoteAddress;
  if (address === undefined) return "unknown";
  const host = address.includes(":") ? `[${address}]` : address;
  return `${host}:${socket?.remotePort ?? 0}`;
}
