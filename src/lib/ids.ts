// Branded numeric ids and log positions. A raw number becomes one of these only at a
// boundary (parsing, decoding), where it is checked to be a safe non-negative integer.

import { AssertionError, assert } from "./assert.ts";

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A node's id, unique in its cluster, allocated through the management log. 0 means none. */
export type NodeId = Brand<number, "NodeId">;
/** A Raft group's id: 0 is the management group, 1+ are execution groups. */
export type GroupId = Brand<number, "GroupId">;
/** A Raft term. */
export type Term = Brand<number, "Term">;
/** A position in a Raft log; the first entry has index 1, 0 means "before the log". */
export type LogIndex = Brand<number, "LogIndex">;

function checked(value: number, what: string): number {
  // Runs for every id of every message received: the text is built only for a failure.
  if (Number.isSafeInteger(value) && value >= 0) return value;
  assert(Number.isSafeInteger(value), `${what} must be a safe integer, got ${value}`);
  throw new AssertionError(`${what} must not be negative, got ${value}`);
}

export const nodeId = (value: number): NodeId => checked(value, "node id") as NodeId;
export const groupId = (value: number): GroupId => checked(value, "group id") as GroupId;
export const term = (value: number): Term => checked(value, "term") as Term;
export const logIndex = (value: number): LogIndex => checked(value, "log index") as LogIndex;

/** The "no node" id: no vote cast, no leader known. */
export const NO_NODE = 0 as NodeId;
/** The management group's id. */
export const MANAGEMENT_GROUP = 0 as GroupId;
