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

/** CPU time so far of each thread of some processes, keyed by "pid/tid". */
export type ThreadCpu = ReadonlyMap<string, { readonly role: ThreadRole; readonly ms: number }>;

/**
 * CPU time so far of the processes' threads, in ms: the JIT's compiler threads and the
 * allocator's scavenger apart from the main thread (docs/performance.md). Read it before and
 * after, and let threadCpuUsPer take the difference thread by thread.
 */
export function threadCpuMs(pids: readonly number[]): ThreadCpu {
  const threads = new Map<string, { role: ThreadRole; ms: number }>();
  for (const pid of pids) {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        // schedstat: nanoseconds on a CPU, then waiting, then timeslices.
        const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
        threads.set(`${pid}/${tid}`, { role: roleOf(pid, tid), ms: ns / 1e6 });
      } catch (error) {
        // The thread ended between the listing and the read.
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
    }
  }
  return threads;
}

/**
 * The CPU the threads used between two readings, per role, per workflow, in microseconds.
 * Thread by thread, because JavaScriptCore ends idle compiler threads and starts new ones:
 * summed by role, an ended thread's whole time would come off the total. A thread that ended
 * between the readings is not counted at all, so the figures are lower bounds.
 */
export function threadCpuUsPer(
  before: ThreadCpu,
  after: ThreadCpu,
  count: number,
): Record<ThreadRole, number> {
  const ms: Record<ThreadRole, number> = { main: 0, jit: 0, gc: 0, allocator: 0, other: 0 };
  for (const [key, thread] of after) {
    const earlier = before.get(key)?.ms ?? 0;
    // Less than before: the tid was reused by a thread started since.
    ms[thread.role] += thread.ms >= earlier ? thread.ms - earlier : thread.ms;
  }
  const per = (role: ThreadRole) => Math.round((ms[role] * 1000) / count);
  return {
    main: per("main"),
    jit: per("jit"),
    gc: per("gc"),
    allocator: per("allocator"),
    other: per("other"),
  };
}
