// Node addresses as RaftoralClient takes them: "host:port", or a URL whose scheme picks the
// protocol and whether to use TLS ("grpc://", "grpcs://", "http://", "https://").

import { InvalidArgumentError } from "../lib/index.ts";
import type { TransportKind } from "../transport/index.ts";

/** One node to call: its "host:port", the protocol to call it with, and whether over TLS. */
export interface NodeTarget {
  readonly address: string;
  readonly transport: TransportKind;
  readonly isTls: boolean;
}

/** How to call an address given without a scheme. */
export interface TargetDefaults {
  readonly transport: TransportKind;
  readonly isTls: boolean;
}

const PORT_MAX = 65_535;

const SCHEMES: Readonly<Record<string, TargetDefaults>> = {
  grpc: { transport: "grpc", isTls: false },
  grpcs: { transport: "grpc", isTls: true },
  http: { transport: "http", isTls: false },
  https: { transport: "http", isTls: true },
};

/** The URL scheme of a target: grpc, grpcs, http or https. */
export function schemeOf(target: TargetDefaults): string {
  return `${target.transport}${target.isTls ? "s" : ""}`;
}

/** Parses one address; `defaults` apply when the text has no scheme. */
export function parseNodeTarget(text: string, defaults: TargetDefaults): NodeTarget {
  const trimmed = text.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed)?.[1]?.toLowerCase();
  let chosen = defaults;
  let rest = trimmed;
  if (scheme !== undefined) {
    const known = SCHEMES[scheme];
    if (known === undefined) {
      throw new InvalidArgumentError(
        `address '${text}': unsupported scheme ${scheme}://; use grpc://, grpcs://, http:// or https:// before host:port`,
      );
    }
    chosen = known;
    rest = trimmed.slice(scheme.length + 3).replace(/\/+$/, "");
  }
  return { address: checkHostPort(rest, text), transport: chosen.transport, isTls: chosen.isTls };
}

/** Parses a list of addresses; at least one is needed. */
export function parseNodeTargets(
  addresses: string | readonly string[],
  defaults: TargetDefaults,
): NodeTarget[] {
  const list = (typeof addresses === "string" ? addresses.split(",") : [...addresses])
    .map((item) => item.trim())
    .filter((item) => item !== "");
  if (list.length === 0) {
    throw new InvalidArgumentError("no node address given; e.g. 127.0.0.1:7001");
  }
  return list.map((item) => parseNodeTarget(item, defaults));
}

function checkHostPort(hostPort: string, original: string): string {
  const match = /^(\[[^\]]+\]|[^:/\s[\]]+):(\d+)$/.exec(hostPort);
  const port = Number(match?.[2]);
  if (match === null || port < 1 || port > PORT_MAX) {
    throw new InvalidArgumentError(
      `address '${original}' is not host:port (e.g. 127.0.0.1:7001 or grpcs://10.0.1.10:7001)`,
    );
  }
  return hostPort;
}
