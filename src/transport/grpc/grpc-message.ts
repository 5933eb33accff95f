// The `grpc-message` header: percent-encoding of UTF-8 bytes as the gRPC HTTP/2 spec asks.
// Only bytes outside 0x20-0x7E, and '%' itself, are escaped: encodeURIComponent would also
// escape ':' and clients would then show "%3A". Pure: no I/O.

const HEX = "0123456789ABCDEF";
const PERCENT = 0x25;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false });

/** Percent-encodes `message` for the grpc-message header. */
export function encodeGrpcMessage(message: string): string {
  // Fast path: plain printable ASCII without '%' needs no work.
  if (/^[\x20-\x24\x26-\x7e]*$/.test(message)) return message;
  let out = "";
  for (const byte of encoder.encode(message)) {
    if (byte >= 0x20 && byte <= 0x7e && byte !== PERCENT) {
      out += String.fromCharCode(byte);
    } else {
      out += `%${HEX[byte >> 4]}${HEX[byte & 0x0f]}`;
    }
  }
  return out;
}

/**
 * Decodes a received grpc-message. Never throws: the spec says a malformed value must not
 * lose the message, so a bad escape is kept as it is and bad UTF-8 becomes U+FFFD.
 */
export function decodeGrpcMessage(value: string): string {
  if (!value.includes("%")) return value;
  const bytes: number[] = [];
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code === PERCENT && /^[0-9a-fA-F]{2}$/.test(value.slice(index + 1, index + 3))) {
      bytes.push(Number.parseInt(value.slice(index + 1, index + 3), 16));
      index += 2;
    } else {
      // A header value is ASCII on the wire; anything else is kept as its UTF-8 bytes.
      for (const byte of encoder.encode(value[index] ?? "")) bytes.push(byte);
    }
  }
  return decoder.decode(new Uint8Array(bytes));
}
