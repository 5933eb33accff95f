// The cluster's retention setting in the management state: recorded at bootstrap, changed by
// setRetention, kept in snapshots, absent (and so left alone) in clusters that predate it.

import { describe, expect, test } from "bun:test";
import { bootstrappedManagement } from "../../test/support/management-log.ts";
import type { RetentionSetting } from "../lib/index.ts";
import { decodeManagementCommand } from "./commands.ts";
import { checkManagementInvariants } from "./invariants.ts";
import { ManagementMachine } from "./management-machine.ts";
import { decodeManagementState, encodeManagementState } from "./state-codec.ts";

const SETTING: RetentionSetting = { finishedMax: 50, retainForMs: 0, retainAtLeastMs: 60_000 };

function bootstrapped(retention?: RetentionSetting) {
  const { machine, apply } = bootstrappedManagement(retention === undefined ? {} : { retention });
  return { machine, apply };
}

describe("retention in the management state", () => {
  test("the bootstrap records the first setting", () => {
    const { machine } = bootstrapped(SETTING);
    expect(machine.state().retention).toEqual(SETTING);
  });

  test("a bootstrap of an older version records none", () => {
    const { machine } = bootstrapped();
    expect(machine.state().retention).toBeUndefined();
  });

  test("setRetention replaces the setting, also in a cluster that had none", () => {
    const { machine, apply } = bootstrapped();
    const next = { finishedMax: 7, retainForMs: 86_400_000, retainAtLeastMs: 0 };
    apply({ type: "setRetention", retention: next });
    expect(machine.state().retention).toEqual(next);
    checkManagementInvariants(machine.state());
  });

  test("a setting that breaks the rules never reaches the state", () => {
    const { machine, apply } = bootstrapped(SETTING);
    const bad = [
      { finishedMax: 0, retainForMs: 0, retainAtLeastMs: 0 },
      { finishedMax: 1, retainForMs: 1000, retainAtLeastMs: 5000 },
      { finishedMax: 1.5, retainForMs: 0, retainAtLeastMs: 0 },
    ];
    for (const retention of bad) {
      const bytes = new TextEncoder().encode(JSON.stringify({ type: "setRetention", retention }));
      expect(() => decodeManagementCommand(bytes)).toThrow(/retention/);
      expect(() => apply({ type: "setRetention", retention })).toThrow(/retention/);
    }
    expect(machine.state().retention).toEqual(SETTING);
  });

  test("the setting survives a snapshot; an older snapshot restores without one", () => {
    const { machine } = bootstrapped(SETTING);
    const copy = decodeManagementState(encodeManagementState(machine.state()));
    expect(copy.retention).toEqual(SETTING);
    const old = JSON.parse(new TextDecoder().decode(encodeManagementState(machine.state())));
    delete old.retention;
    const restored = new ManagementMachine();
    restored.restore(new TextEncoder().encode(JSON.stringify(old)));
    expect(restored.state().retention).toBeUndefined();
  });

  test("an invariant check catches a state holding a broken setting", () => {
    const { machine } = bootstrapped(SETTING);
    const broken = { ...machine.state(), retention: { ...SETTING, finishedMax: 0 } };
    expect(() => checkManagementInvariants(broken)).toThrow(/finished_max/);
  });
});
