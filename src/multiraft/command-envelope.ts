// Every command the host puts in a log carries who proposed it: (origin node, incarnation,
// proposal id) plus the origin's "floor" (every id below it is settled at the origin and
// will never be sent again). This lets the origin retry a proposal through leader changes
// without the command ever being applied twice (thesis 6.3), see dedupe-table.ts.
//
// Layout (big endian): version u8 | origin u32 | incarnation u32 | id f64 | floor f64 | command

import { type NodeId, nodeId } from "../lib/index.ts";

const VERSION = 1;
const HEADER_BYTES = 1 + 4 + 4 + 8 + 8;

export interface CommandEnvelope {
  readonly origin: NodeId;
  /** Random per process start, so ids of a restarted node never collide with old ones. */
  readonly incarnation: number;
  readonly proposalId: number;
  readonly floor: number;
  readonly command: Uint8Array;
}

export function encodeEnvelope(envelope: CommandEnvelope): Uint8Array {
  // The buffer first: asking a small Uint8Array for its .buffer makes JavaScriptCore move its
  // bytes out of the object into a buffer of their own, which costs more than the encoding.
  const buffer = new ArrayBuffer(HEADER_BYTES + envelope.command.byteLength);
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  view.setUint8(0, VERSION);
  view.setUint32(1, envelope.origin);
  view.setUint32(5, envelope.incarnation);
  view.setFloat64(9, envelope.proposalId);
  view.setFloat64(17, envelope.floor);
  bytes.set(envelope.command, HEADER_BYTES);
  return bytes;
}

/** Decodes an entry written by the host; undefined if it is not an envelope. */
export function decodeEnvelope(data: Uint8Array): CommandEnvelope | undefined {
  if (data.byteLength < HEADER_BYTES) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (view.getUint8(0) !== VERSION) return undefined;
  const proposalId = view.getFloat64(9);
  const floor = view.getFloat64(17);
  if (!Number.isSafeInteger(proposalId) || !Number.isSafeInteger(floor)) return undefined;
  return {
    origin: nodeId(view.getUint32(1)),
    incarnation: view.getUint32(5),
    proposalId,
    floor,
    command: data.subarray(HEADER_BYTES),
  };
}
