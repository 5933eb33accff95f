// Replay semantics are versioned (STYLE 1.9). Every Start records the runtime version it
// was started under, and replay looks up that version's features here, so a newer build
// replays an old execution exactly as it first ran. Changing how replay behaves means adding
// a version with new features, never editing an existing row.
// Pure: no I/O.

/** The version new executions are started under. */
export const RUNTIME_VERSION = 3;

/** What a runtime version means for replay. */
export interface RuntimeFeatures {
  /** How ctx.random() derives its values from the recorded seed (replay-random.ts). */
  readonly randomDerivation: "splitmix32-counter";
  /** ctx.now(): the newest `atMs` among checkpoints delivered to the code, else startedAtMs. */
  readonly nowSource: "delivered-checkpoint";
  /**
   * ctx.sleep(), ctx.sleepUntil() and ctx.waitForEvent(): `sleep`/`wake` and
   * `event-wait`/`event` checkpoints (timers.ts, events.ts).
   */
  readonly hasDurableWaits: boolean;
  /**
   * ctx.patched() and ctx.deprecatePatch() record `patch` markers (patch-markers.ts). Without
   * them (versions 1 and 2, recorded before markers existed) patched() is false throughout,
   * so such an execution keeps the code path it was recorded on, and records no marker an
   * older member could not apply.
   */
  readonly hasPatchMarkers: boolean;
  /**
   * ctx.startChild(): `child` checkpoints and the reserved child-outcome events
   * (children.ts). Without it, startChild refuses, and no member is asked to apply a
   * `child` checkpoint for an execution of an older version.
   */
  readonly hasChildWorkflows: boolean;
}

const FEATURES: Readonly<Record<number, RuntimeFeatures>> = {
  1: {
    randomDerivation: "splitmix32-counter",
    nowSource: "delivered-checkpoint",
    hasDurableWaits: false,
    hasPatchMarkers: false,
    hasChildWorkflows: false,
  },
  2: {
    randomDerivation: "splitmix32-counter",
    nowSource: "delivered-checkpoint",
    hasDurableWaits: true,
    hasPatchMarkers: false,
    hasChildWorkflows: false,
  },
  3: {
    randomDerivation: "splitmix32-counter",
    nowSource: "delivered-checkpoint",
    hasDurableWaits: true,
    hasPatchMarkers: true,
    hasChildWorkflows: true,
  },
};

/** The features of `version`, or undefined if this build cannot replay it (a newer one). */
export function runtimeFeatures(version: number): RuntimeFeatures | undefined {
  return FEATURES[version];
}
