// Node addresses as RaftoralClient takes them: "host:port", or a URL whose scheme picks the
// protocol ("grpc://host:port", "http://host:port"). No TLS: "https://" is refused clearly.

import { InvalidArgumentError } from "../lib/index.ts";
import type { TransportKind } from "../transport/index.ts";

/** One node to call: its "host:port" and the protocol to call it with. */
export interface NodeTarget {
  readonly address: string;
  readonly transport: TransportKind;
}

const PORT_MAX = 65_535;

/** Parses one address; `fallback` is the protocol when the text has no scheme. */
export function parseNodeTarget(text: string, fallback: TransportKind): NodeTarget {
  const trimmed = text.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed)?.[1]?.toLowerCase();
  let transport = fallback;
  let rest = trimmed;
  if (scheme !== undefined) {
    if (scheme !== "grpc" && scheme !== "http") {
      throw new InvalidArgumentError(
        `address '${text}': unsupported scheme ${scheme}://; use grpc://host:port or http://host:port (no TLS)`,
      );
    }
    transport = scheme;
    rest = trimmed.slice(scheme.length + 3).replace(/\/+$/, "");
  }
  return { address: checkHostPort(rest, text), transport };
}

/** Parses a list of addresses; at least one is needed. */
export function parseNodeTargets(
  addresses: string | readonly string[],
  fallback: TransportKind,
): NodeTarget[] {
  const list = (typeof addresses === "string" ? addresses.split(",") : [...addresses])
    .map((item) => item.trim())
    .filter((item) => item !== "");
  if (list.length === 0) {
    throw new InvalidArgumentError("no node address given; e.g. 127.0.0.1:7001");
  }
  return list.map((item) => parseNodeTarget(item, fallback));
}

function checkHostPort(hostPort: string, original: string): string {
  const match = /^(\[[^\]]+\]|[^:/\s[\]]+):(\d+)$/.exec(hostPort);
  const port = Number(match?.[2]);
  if (match === null || port < 1 || port > PORT_MAX) {
    throw new InvalidArgumentError(
      `address '${original}' is not host:port (e.g. 127.0.0.1:7001 or grpc://10.0.1.10:7001)`,
    );
  }
  return hostPort;
}
