// A msgpack decoder for peer batches: plain values only (nil, booleans, numbers, strings,
// binary, arrays, maps with string or integer keys), no extension types. It reads what any
// msgpack encoder writes for those values, so the wire format is msgpack as before; it
// exists because peer batches are the node's hottest input. A batch of many groups repeats
// a few short strings (message types, field names) in every message, and this decoder keeps
// each once instead of decoding it again: the library decoder caches map keys only, and its
// string decoding was 7% of a leader's CPU with 100 groups (docs/performance.md).
//
// Everything it cannot take (truncated input, a reserved or extension type, nesting deeper
// than DEPTH_MAX, a key that is not text or an integer, `__proto__`, bytes after the value)
// throws MsgpackError, and binary values are views into the input (as the library's were).

export class MsgpackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MsgpackError";
  }
}

/** Deeper nesting than any peer message has; bounds the recursion. */
const DEPTH_MAX = 32;
/** Strings up to this many bytes are interned. */
const INTERNED_BYTES_MAX = 32;
/** Interned strings kept per byte length; a new one replaces the oldest when full. */
const INTERNED_PER_LENGTH = 32;

interface Interned {
  readonly bytes: Uint8Array;
  readonly text: string;
}

const utf8 = new TextDecoder();
const NO_BYTES = new Uint8Array(0);

export class MsgpackDecoder {
  private bytes: Uint8Array = NO_BYTES;
  /**
   * Over `bytes`, made only for a float or a 64-bit integer: a view needs the input's
   * ArrayBuffer, and a message from a socket has none until asked, which then costs 1-2.5 us
   * (docs/performance.md, "A step without the disk"). The other numbers are read byte by byte.
   */
  private view: DataView | undefined;
  private at = 0;
  private readonly interned: Interned[][] = Array.from(
    { length: INTERNED_BYTES_MAX + 1 },
    () => [],
  );
  private readonly replaceNext = new Array<number>(INTERNED_BYTES_MAX + 1).fill(0);

  /** The one value `bytes` holds. */
  decode(bytes: Uint8Array): unknown {
    this.bytes = bytes;
    this.at = 0;
    try {
      const value = this.value(0);
      if (this.at !== bytes.byteLength) {
        throw new MsgpackError(`${bytes.byteLength - this.at} bytes follow the value`);
      }
      return value;
    } finally {
      // Both let go of the input: a batch may be a large snapshot chunk.
      this.bytes = NO_BYTES;
      this.view = undefined;
    }
  }

  private value(depth: number): unknown {
    const type = this.u8();
    if (type <= 0x7f) return type;
    if (type >= 0xe0) return type - 0x100;
    if (type <= 0x8f) return this.map(type & 0x0f, depth);
    if (type <= 0x9f) return this.array(type & 0x0f, depth);
    if (type <= 0xbf) return this.text(type & 0x1f);
    switch (type) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.binary(this.u8());
      case 0xc5:
        return this.binary(this.u16());
      case 0xc6:
        return this.binary(this.u32());
      case 0xca:
        return this.wideView().getFloat32(this.advance(4));
      case 0xcb:
        return this.wideView().getFloat64(this.advance(8));
      case 0xcc:
        return this.u8();
      case 0xcd:
        return this.u16();
      case 0xce:
        return this.u32();
      case 0xcf: {
        const high = this.u32();
        return high * 2 ** 32 + this.u32();
      }
      case 0xd0:
        return (this.u8() << 24) >> 24;
      case 0xd1:
        return (this.u16() << 16) >> 16;
      case 0xd2:
        return this.u32() | 0;
      case 0xd3: {
        const high = this.u32() | 0;
        return high * 2 ** 32 + this.u32();
      }
      case 0xd9:
        return this.text(this.u8());
      case 0xda:
        return this.text(this.u16());
      case 0xdb:
        return this.text(this.u32());
      case 0xdc:
        return this.array(this.u16(), depth);
      case 0xdd:
        return this.array(this.u32(), depth);
      case 0xde:
        return this.map(this.u16(), depth);
      case 0xdf:
        return this.map(this.u32(), depth);
      default:
        throw new MsgpackError(`type byte 0x${type.toString(16)} at ${this.at - 1} is not taken`);
    }
  }

  private array(length: number, depth: number): unknown[] {
    this.checkDepth(depth);
    // Each element takes a byte at least: a length past the input is refused before allocating.
    this.checkRemaining(length);
    const items = new Array<unknown>(length);
    for (let k = 0; k < length; k++) items[k] = this.value(depth + 1);
    return items;
  }

  private map(size: number, depth: number): Record<string, unknown> {
    this.checkDepth(depth);
    this.checkRemaining(size * 2);
    const fields: Record<string, unknown> = {};
    for (let k = 0; k < size; k++) {
      const key = this.value(depth + 1);
      if (typeof key !== "string" && !Number.isInteger(key)) {
        throw new MsgpackError(`a map key at ${this.at} is neither text nor an integer`);
      }
      if (key === "__proto__") throw new MsgpackError("a map key is __proto__");
      fields[key as string] = this.value(depth + 1);
    }
    return fields;
  }

  private text(length: number): string {
    const start = this.advance(length);
    if (length > INTERNED_BYTES_MAX) return utf8.decode(this.bytes.subarray(start, start + length));
    const candidates = this.interned[length] as Interned[];
    const { bytes } = this;
    search: for (const candidate of candidates) {
      for (let k = 0; k < length; k++) {
        if (candidate.bytes[k] !== bytes[start + k]) continue search;
      }
      return candidate.text;
    }
    const own = bytes.slice(start, start + length);
    const text = utf8.decode(own);
    if (candidates.length < INTERNED_PER_LENGTH) candidates.push({ bytes: own, text });
    else {
      const slot = this.replaceNext[length] as number;
      candidates[slot] = { bytes: own, text };
      this.replaceNext[length] = (slot + 1) % INTERNED_PER_LENGTH;
    }
    return text;
  }

  private binary(length: number): Uint8Array {
    const start = this.advance(length);
    return this.bytes.subarray(start, start + length);
  }

  private u8(): number {
    return this.bytes[this.advance(1)] as number;
  }

  private u16(): number {
    const at = this.advance(2);
    const { bytes } = this;
    return ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
  }

  private u32(): number {
    const at = this.advance(4);
    const { bytes } = this;
    // Multiplied, not shifted: a shift of 24 would make the top bit a sign.
    return (
      (bytes[at] as number) * 0x1000000 +
      (((bytes[at + 1] as number) << 16) |
        ((bytes[at + 2] as number) << 8) |
        (bytes[at + 3] as number))
    );
  }

  private wideView(): DataView {
    const { bytes } = this;
    this.view ??= new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return this.view;
  }

  /** Moves past `length` bytes and returns where they start. */
  private advance(length: number): number {
    this.checkRemaining(length);
    const start = this.at;
    this.at += length;
    return start;
  }

  private checkRemaining(length: number): void {
    if (length > this.bytes.byteLength - this.at) {
      throw new MsgpackError(`the input ends at ${this.bytes.byteLength}, inside a value`);
    }
  }

  private checkDepth(depth: number): void {
    if (depth >= DEPTH_MAX) throw new MsgpackError(`nesting deeper than ${DEPTH_MAX}`);
  }
}
