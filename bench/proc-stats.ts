// CPU time and resident memory of a process, from /proc (Linux): CPU time, unlike wall time,
// is little skewed by other work on a busy machine.

import { readdirSync, readFileSync } from "node:fs";

function clockTicksPerSecond(): number {
  const out = Bun.spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim();
  const ticks = Number(out);
  return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
}
const CLK_TCK = clockTicksPerSecond();

/** User plus system CPU time of the process so far, in milliseconds. */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name may hold spaces and parentheses: the fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** Resident memory of the process, in MiB. */
export function processRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

/** What a thread of a node process does, from its name (Bun 1.4's and JavaScriptCore's). */
export type ThreadRole = "main" | "jit" | "gc" | "allocator" | "other";

function roleOf(pid: number, tid: string): ThreadRole {
  if (tid === String(pid)) return "main";
  const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
  if (name.startsWith("JITWorker")) return "jit";
  if (name.startsWith("HeapHelper") || name.includes("Collector")) return "gc";
  if (name === "mi-scavenger") return "allocator";
  return "other";
}

/**
 * CPU time so far of the processes' threads, in ms, summed by role: the JIT's compiler
 * threads and the allocator's scavenger apart from the main thread (docs/performance.md).
 * A thread that ended is no longer counted, so read it before and after, not across restarts.
 */
export function threadCpuMs(pids: readonly number[]): Record<ThreadRole, number> {
  const byRole: Record<ThreadRole, number> = { main: 0, jit: 0, gc: 0, allocator: 0, other: 0 };
  for (const pid of pids) {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        // schedstat: nanoseconds on a CPU, then waiting, then timeslices.
        const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
        byRole[roleOf(pid, tid)] += ns / 1e6;
      } catch (error) {
        // The thread ended between the listing and the read.
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
    }
  }
  return byRole;
}

/** `after - before` per role, per workflow, in microseconds. */
export function threadCpuUsPer(
  before: Record<ThreadRole, number>,
  after: Record<ThreadRole, number>,
  count: number,
): Record<ThreadRole, number> {
  const per = (role: ThreadRole) => Math.round(((after[role] - before[role]) * 1000) / count);
  return {
    main: per("main"),
    jit: per("jit"),
    gc: per("gc"),
    allocator: per("allocator"),
    other: per("other"),
  };
}
