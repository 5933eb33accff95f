// host:port addresses as users type them on the command line, and as nodes register them.
// IPv6 hosts go in brackets: [::1]:7001.

/** A validated network address. `text` is the canonical "host:port" form. */
export interface Address {
  readonly host: string;
  readonly port: number;
  readonly text: string;
}

export type AddressParse = { ok: true; address: Address } | { ok: false; problem: string };

const PORT_MAX = 65_535;

/** Parses "host:port"; `problem` explains what is wrong in words a user can act on. */
export function parseAddress(raw: string): AddressParse {
  const text = raw.trim();
  // Else "https://10.0.0.1:7001" would be told that IPv6 hosts need brackets.
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1];
  if (scheme !== undefined) {
    return {
      ok: false,
      problem: `${scheme}:// is a URL scheme, not part of the address; give host:port, e.g. 127.0.0.1:7001`,
    };
  }
  let host: string;
  let portText: string;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0 || text[close + 1] !== ":") {
      return { ok: false, problem: "expected [ipv6]:port, e.g. [::1]:7001" };
    }
    host = text.slice(1, close);
    portText = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(":");
    if (colon < 0) return { ok: false, problem: "expected host:port, e.g. 127.0.0.1:7001" };
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(":")) {
      return { ok: false, problem: "IPv6 hosts need brackets, e.g. [::1]:7001" };
    }
  }
  if (host === "") return { ok: false, problem: "the host is empty; expected host:port" };
  if (/\s/.test(host)) return { ok: false, problem: "the host contains whitespace" };
  if (!/^\d+$/.test(portText)) {
    return { ok: false, problem: `port '${portText}' is not a number; expected host:port` };
  }
  const port = Number(portText);
  if (port < 1 || port > PORT_MAX) {
    return { ok: false, problem: `port ${port} is out of range; use 1-${PORT_MAX}` };
  }
  const canonicalHost = host.includes(":") ? `[${host}]` : host;
  return { ok: true, address: { host, port, text: `${canonicalHost}:${port}` } };
}
