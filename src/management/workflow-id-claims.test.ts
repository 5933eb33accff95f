// Claims on caller-chosen workflow ids: the management log hands every concurrent starter of
// one id the same group, a late release never drops a newer claim, and claims survive
// snapshots.

import { expect, test } from "bun:test";
import { bootstrappedManagement } from "../../test/support/management-log.ts";
import { groupId, type LogIndex, nodeId } from "../lib/index.ts";
import type { ManagementCommand } from "./commands.ts";
import { decodeManagementState, encodeManagementState } from "./state-codec.ts";
import { claimWorkflowId, WORKFLOW_ID_CLAIMS_MAX } from "./workflow-id-claims.ts";

/** Node 1's build applies `rules` (0: a build from before rules were reported). */
function bootstrapped(groups: number, rules = 0) {
  const { machine, apply } = bootstrappedManagement({ rulesVersion: rules });
  for (let k = 0; k < groups; k++) apply({ type: "createGroup", members: [nodeId(1)] });
  return { machine, apply };
}

const claim = (workflowId: string, group: number): ManagementCommand => ({
  type: "claimWorkflowId",
  workflowId,
  groupId: groupId(group),
});

test("the first claim names the group; a concurrent claim gets the same one back", () => {
  const { machine, apply } = bootstrapped(2);
  const first = apply(claim("order-1", 1));
  const second = apply(claim("order-1", 2));
  expect(first).toEqual({ claim: { groupId: groupId(1), claimedAt: 4 as LogIndex } });
  expect(second).toEqual(first);
  expect(apply(claim("order-2", 2))).toMatchObject({ claim: { groupId: 2 } });
  expect(machine.state().workflowIdClaims.size).toBe(2);
});

test("a release drops only the claim it names, so a late one spares a newer claim", () => {
  const { machine, apply } = bootstrapped(2);
  const old = apply(claim("order-1", 1));
  if (old === undefined || !("claim" in old)) throw new Error("no claim");
  apply({ type: "releaseWorkflowId", workflowId: "order-1", claimedAt: old.claim.claimedAt });
  expect(machine.state().workflowIdClaims.has("order-1")).toBe(false);
  const newer = apply(claim("order-1", 2));
  apply({ type: "releaseWorkflowId", workflowId: "order-1", claimedAt: old.claim.claimedAt });
  expect(machine.state().workflowIdClaims.get("order-1")).toEqual(
    newer !== undefined && "claim" in newer ? newer.claim : undefined,
  );
});

const COUNTED = 3;

test("under rules 3 every starter counts on the claim, which goes once none can start the id", () => {
  const { machine, apply } = bootstrapped(2, COUNTED);
  const first = apply(claim("order-1", 1));
  expect(first).toEqual({ claim: { groupId: groupId(1), claimedAt: 4 as LogIndex, starters: 1 } });
  expect(apply(claim("order-1", 2))).toEqual({
    claim: { groupId: groupId(1), claimedAt: 4 as LogIndex, starters: 2 },
  });
  const mine = { type: "releaseWorkflowId", workflowId: "order-1", claimedAt: 4 as LogIndex };
  apply({ ...mine, starterOnly: true } as ManagementCommand);
  expect(machine.state().workflowIdClaims.get("order-1")?.starters).toBe(1);
  apply({ ...mine, starterOnly: true } as ManagementCommand);
  expect(machine.state().workflowIdClaims.has("order-1")).toBe(false);
  // A release of the whole claim (its Start committed) drops it whoever still counts on it.
  const second = apply(claim("order-2", 1));
  apply(claim("order-2", 1));
  const claimedAt = second !== undefined && "claim" in second ? second.claim.claimedAt : 0;
  apply({ type: "releaseWorkflowId", workflowId: "order-2", claimedAt: claimedAt as LogIndex });
  expect(machine.state().workflowIdClaims.has("order-2")).toBe(false);
});

test("a claim made before every member counted starters keeps counting none", () => {
  const { machine, apply } = bootstrapped(1, 2);
  apply(claim("order-1", 1));
  // Node 1 restarts on a build of rules 3: it is the only member, so counting begins.
  apply({
    type: "checkIn",
    nodeId: nodeId(1),
    incarnation: 1,
    previous: 0,
    nonce: "n",
    rulesVersion: COUNTED,
  } as ManagementCommand);
  expect(apply(claim("order-1", 1))).toEqual({
    claim: { groupId: groupId(1), claimedAt: 3 as LogIndex },
  });
  const release = { type: "releaseWorkflowId", workflowId: "order-1", claimedAt: 3 as LogIndex };
  apply({ ...release, starterOnly: true } as ManagementCommand);
  expect(machine.state().workflowIdClaims.has("order-1")).toBe(true);
  expect(apply(claim("order-2", 1))).toMatchObject({ claim: { starters: 1 } });
  apply(release as ManagementCommand);
  expect(machine.state().workflowIdClaims.has("order-1")).toBe(false);
});

test("a claim on a group that never existed is refused, naming the group", () => {
  const { machine, apply } = bootstrapped(1);
  expect(() => apply(claim("order-1", 5))).toThrow("execution group 5 never existed");
  expect(machine.state().workflowIdClaims.size).toBe(0);
});

test("claims survive a snapshot, and a snapshot from before claims decodes to none", () => {
  const { machine, apply } = bootstrapped(1, COUNTED);
  apply(claim("order-1", 1));
  apply(claim("order-1", 1));
  expect(machine.state().workflowIdClaims.get("order-1")?.starters).toBe(2);
  const restored = decodeManagementState(encodeManagementState(machine.state()));
  expect([...restored.workflowIdClaims]).toEqual([...machine.state().workflowIdClaims]);
  const older = JSON.parse(new TextDecoder().decode(encodeManagementState(machine.state())));
  delete older.workflowIdClaims;
  const decoded = decodeManagementState(new TextEncoder().encode(JSON.stringify(older)));
  expect(decoded.workflowIdClaims.size).toBe(0);
});

test("past the limit the oldest claim makes room", () => {
  const { machine } = bootstrapped(1);
  let state = machine.state();
  const claims = new Map<string, { groupId: ReturnType<typeof groupId>; claimedAt: LogIndex }>();
  for (let k = 0; k < WORKFLOW_ID_CLAIMS_MAX; k++) {
    claims.set(`w${k}`, { groupId: groupId(1), claimedAt: k as LogIndex });
  }
  state = { ...state, workflowIdClaims: claims };
  const next = claimWorkflowId(state, { workflowId: "new", groupId: groupId(1) }, 1e6 as LogIndex);
  expect(next.state.workflowIdClaims.size).toBe(WORKFLOW_ID_CLAIMS_MAX);
  expect(next.state.workflowIdClaims.has("w0")).toBe(false);
  expect(next.state.workflowIdClaims.has("w1")).toBe(true);
  expect(next.state.workflowIdClaims.get("new")).toEqual(next.claim);
});

test("a claim and its release change the claims in place, copying none of the others", () => {
  // A copy per change cost time in the number of claims: 10 ms per start at the limit.
  const { machine, apply } = bootstrapped(1, COUNTED);
  const claims = machine.state().workflowIdClaims;
  const made = apply(claim("order-1", 1));
  apply(claim("order-1", 1));
  expect(machine.state().workflowIdClaims).toBe(claims);
  if (made === undefined || !("claim" in made)) throw new Error("no claim");
  const release = { type: "releaseWorkflowId", workflowId: "order-1" } as const;
  apply({ ...release, claimedAt: made.claim.claimedAt, starterOnly: true });
  apply({ ...release, claimedAt: made.claim.claimedAt });
  expect(machine.state().workflowIdClaims).toBe(claims);
  expect(claims.size).toBe(0);
});
