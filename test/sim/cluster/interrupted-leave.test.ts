// A leave stopped half-way: the node's removal is committed, and the node stops (a crash, a
// Ctrl-C) before its leave ends, while its groups still replace it. Restarted, it used to find
// itself unlisted, take that for a removal for silence and register again: the cluster took a
// decommissioned node back as a voter (membership tour, 2026-12-07). Its storage now says that
// a leave began, and such a node takes its removal as the leave done and stops (exit 78). A
// leave stopped before its removal was committed leaves a member, which runs on as one.

import { afterEach, expect, test } from "bun:test";
import type { NodeId } from "../../../src/lib/index.ts";
import { ClusterSim, type SimNode } from "./cluster-sim.ts";

let sim: ClusterSim | undefined;
afterEach(async () => {
  await sim?.stopAll();
  sim = undefined;
});

const lists = (by: SimNode, id: NodeId | undefined) =>
  by.node?.managementState().nodes.has(id as NodeId) === true;

test("a node stopped after its removal committed, before its leave ended, stays out when restarted", async () => {
  const current = new ClusterSim(31);
  sim = current;
  const [first, , third] = await current.settleThree();
  const id = third.lastId;
  third.node?.leave().catch(() => undefined);
  await current.until("the removal is committed", () => !lists(first, id), 60_000);
  await current.crash(third);
  const restarted = current.restart(third);
  await current.until("the restart stops", () => third.node === undefined, 60_000);
  expect(restarted.isReady()).toBe(false);
  expect(current.lines.some((line) => line.includes(`node ${id} left the cluster`))).toBe(true);
  // Long past a registration's round trip and the failure timeout: still out.
  await current.advance(20_000);
  expect(lists(first, id)).toBe(false);
  expect(current.lines.some((line) => line.includes("Registered again"))).toBe(false);
}, 300_000);

test("a node stopped before its removal committed is a member still when restarted", async () => {
  const current = new ClusterSim(32);
  sim = current;
  const [first, , third] = await current.settleThree();
  const id = third.lastId;
  await current.crash(third);
  // Its leave began (its storage says so), and it stopped before proposing its removal.
  const storage = current.world.storedAt(third.address);
  const identity = await storage?.loadIdentity();
  if (storage === undefined || identity === undefined) throw new Error("no stored identity");
  await storage.saveIdentity({ ...identity, isLeaving: true });
  const restarted = current.restart(third);
  await current.until("the third is ready again", () => restarted.isReady(), 120_000);
  expect(lists(first, id)).toBe(true);
  expect((await storage.loadIdentity())?.isLeaving).toBeUndefined();
  expect(current.lines.some((line) => line.includes("it is a member still"))).toBe(true);
}, 300_000);
