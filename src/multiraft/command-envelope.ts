// Every command the host puts in a log carries who proposed it: (origin node, incarnation,
// proposal id) plus the origin's "floor" (every id below it is settled at the origin and
// will never be sent again). This lets the origin retry a proposal through leader changes
// without the command ever being applied twice (thesis 6.3), see dedupe-table.ts.
//
// Layout (big endian): version u8 | origin u32 | incarnation u32 | id f64 | floor f64 | command

import { type NodeId, nodeId } from "../lib/index.ts";

const VERSION = 1;
const HEADER_BYTES = 1 + 4 + 4 + 8 + 8;
/**
 * Commands up to this size are copied out of their entry rather than viewed in place: a view
 * of an array that has no buffer object yet (an entry made in this process) costs 120 ns to
 * make, a copy of 200 bytes 30 ns. Larger ones are viewed, so that none is copied at length.
 */
const COPY_MAX_BYTES = 4096;

export interface CommandEnvelope {
  readonly origin: NodeId;
  /** Random per process start, so ids of a restarted node never collide with old ones. */
  readonly incarnation: number;
  readonly proposalId: number;
  readonly floor: number;
  readonly command: Uint8Array;
}

/**
 * Eight bytes for turning a float into big-endian bytes and back. A DataView over each
 * envelope cost four times the rest of the encoding (JavaScriptCore makes a small
 * Uint8Array's bytes a buffer of their own when asked for it, and the view is an object).
 */
const scratch = new DataView(new ArrayBuffer(8));
const scratchBytes = new Uint8Array(scratch.buffer);

export function encodeEnvelope(envelope: CommandEnvelope): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES + envelope.command.byteLength);
  bytes[0] = VERSION;
  putUint32(bytes, 1, envelope.origin);
  putUint32(bytes, 5, envelope.incarnation);
  scratch.setFloat64(0, envelope.proposalId);
  bytes.set(scratchBytes, 9);
  scratch.setFloat64(0, envelope.floor);
  bytes.set(scratchBytes, 17);
  bytes.set(envelope.command, HEADER_BYTES);
  return bytes;
}

/** Decodes an entry written by the host; undefined if it is not an envelope. */
export function decodeEnvelope(data: Uint8Array): CommandEnvelope | undefined {
  if (data.byteLength < HEADER_BYTES || data[0] !== VERSION) return undefined;
  const proposalId = float64At(data, 9);
  const floor = float64At(data, 17);
  if (!Number.isSafeInteger(proposalId) || !Number.isSafeInteger(floor)) return undefined;
  return {
    origin: nodeId(uint32At(data, 1)),
    incarnation: uint32At(data, 5),
    proposalId,
    floor,
    command:
      data.byteLength - HEADER_BYTES <= COPY_MAX_BYTES
        ? data.slice(HEADER_BYTES)
        : data.subarray(HEADER_BYTES),
  };
}

/**
 * The proposal id of an entry `origin` wrote in its incarnation, without decoding the rest;
 * undefined for anything else. For reading every entry a node appends.
 */
export function ownProposalId(
  data: Uint8Array,
  origin: NodeId,
  incarnation: number,
): number | undefined {
  if (data.byteLength < HEADER_BYTES || data[0] !== VERSION) return undefined;
  if (uint32At(data, 1) !== origin || uint32At(data, 5) !== incarnation) return undefined;
  const proposalId = float64At(data, 9);
  return Number.isSafeInteger(proposalId) ? proposalId : undefined;
}

function putUint32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = value >>> 16;
  bytes[at + 2] = value >>> 8;
  bytes[at + 3] = value;
}

function uint32At(bytes: Uint8Array, at: number): number {
  return (
    (bytes[at] as number) * 2 ** 24 +
    (((bytes[at + 1] as number) << 16) |
      ((bytes[at + 2] as number) << 8) |
      (bytes[at + 3] as number))
  );
}

function float64At(bytes: Uint8Array, at: number): number {
  for (let k = 0; k < 8; k++) scratchBytes[k] = bytes[at + k] as number;
  return scratch.getFloat64(0);
}
