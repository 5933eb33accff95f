// Encoding of ConfChange entries. Raft itself decodes them when applying, so the format is
// Raft's own: UTF-8 JSON with the context as hex. Decoding validates everything, because
// the bytes come from the log, which may have been written by another version.
// Pure: no I/O, no timers, no await.

import { nodeId } from "../lib/index.ts";
import type {
  ConfChange,
  ConfChangeSingle,
  ConfChangeTransition,
  ConfChangeType,
} from "./types.ts";

const TRANSITIONS: readonly ConfChangeTransition[] = ["auto", "joint", "jointExplicit", "force"];
const TYPES: readonly ConfChangeType[] = ["addVoter", "removeNode", "addLearner"];

export function encodeConfChange(change: ConfChange): Uint8Array {
  const json = JSON.stringify({
    transition: change.transition,
    changes: change.changes.map((single) => [single.type, single.nodeId]),
    context: [...change.context].map((byte) => byte.toString(16).padStart(2, "0")).join(""),
  });
  return new TextEncoder().encode(json);
}

/** Decodes a ConfChange; undefined when the bytes are not one (the entry is then ignored). */
export function decodeConfChange(data: Uint8Array): ConfChange | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(data));
  } catch {
    // Not JSON: reported to the caller as "not a ConfChange", which it handles.
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const record = parsed as Record<string, unknown>;
  const transition = TRANSITIONS.find((item) => item === record.transition);
  if (transition === undefined || !Array.isArray(record.changes)) return undefined;
  if (typeof record.context !== "string" || !/^([0-9a-f]{2})*$/.test(record.context)) {
    return undefined;
  }
  const changes: ConfChangeSingle[] = [];
  for (const item of record.changes as unknown[]) {
    if (!Array.isArray(item) || item.length !== 2) return undefined;
    const type = TYPES.find((candidate) => candidate === item[0]);
    const id = item[1];
    if (type === undefined || typeof id !== "number" || !Number.isSafeInteger(id) || id < 0) {
      return undefined;
    }
    changes.push({ type, nodeId: nodeId(id) });
  }
  const hex = record.context;
  const context = new Uint8Array(hex.length / 2);
  for (let i = 0; i < context.length; i++) {
    context[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  }
  return { transition, changes, context };
}
