// Runs one simulation seed and turns the outcome into a verdict with a replay command.

import { checkKvHistory } from "./history-check.ts";
import { SimulationFailure } from "./raft-checker.ts";
import { RaftSimulation, type SimOptions, type SimReport } from "./raft-sim.ts";

export interface SeedOutcome {
  readonly ok: boolean;
  readonly summary: string;
  readonly report?: SimReport;
}

export function replayCommand(options: SimOptions): string {
  const extra = options.faultTicks === undefined ? "" : ` --fault-ticks ${options.faultTicks}`;
  return `bun scripts/sim.ts --seed ${options.seed}${extra}`;
}

export function runSeed(options: SimOptions): SeedOutcome {
  const simulation = new RaftSimulation(options);
  try {
    const report = simulation.run();
    const verdict = checkKvHistory(report.history);
    if (verdict.kind === "violation") {
      throw new SimulationFailure(`client history is not linearizable:\n${verdict.explanation}`);
    }
    const history = verdict.kind === "linearizable" ? "linearizable" : "undecided (search budget)";
    return {
      ok: true,
      report,
      summary:
        `seed ${options.seed} ok: ${report.events} events, ${report.messagesSent} messages ` +
        `(${report.messagesDropped} dropped), ${report.crashes} crashes, ${report.confChanges} ` +
        `conf changes, ${report.snapshotsInstalled} snapshots installed, ` +
        `${report.history.length} client ops (${history}), live after ${report.livenessTicks} ticks\n` +
        `  params: ${report.params}`,
    };
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    return {
      ok: false,
      summary:
        `seed ${options.seed} FAILED: ${message}\n  params: ${describe(simulation)}\n` +
        `  replay: ${replayCommand(options)}`,
    };
  }
}

function describe(simulation: RaftSimulation): string {
  return Object.entries(simulation.params)
    .map(([key, value]) => `${key}=${value}`)
    .join(" ");
}
