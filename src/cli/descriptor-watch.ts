// A process whose file descriptors are all taken (a low `ulimit -n`, clients or strangers
// holding connections open) takes no connection, opens no file and reaches no new peer, and it
// said nothing of it: its callers only saw their pings go unanswered. The server looks at its
// open descriptors against its limit now and then (Linux's /proc; elsewhere nothing is
// watched) and warns once a spell past 80% of the limit, or when even the look finds none
// to spare, naming the limit and how to raise it; it says so again when back under.

import { readdirSync, readFileSync } from "node:fs";
import type { Logger } from "../lib/index.ts";

/** How often the server looks. */
export const DESCRIPTOR_CHECK_INTERVAL_MS = 5_000;
/** The share of the limit past which descriptors are short. */
const SHORT_SHARE = 0.8;

/** Open descriptors and the soft limit; "exhausted" when the look found none to spare. */
export type DescriptorReading = { readonly open: number; readonly limit: number } | "exhausted";

/** This process's descriptors, or undefined where /proc does not tell (not Linux). */
export function readDescriptors(): DescriptorReading | undefined {
  try {
    // Less the one the listing itself holds open.
    const open = readdirSync("/proc/self/fd").length - 1;
    const soft = /^Max open files\s+(\d+)/m.exec(readFileSync("/proc/self/limits", "utf8"))?.[1];
    return soft === undefined ? undefined : { open, limit: Number(soft) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // The look needs a descriptor too: finding none is the answer.
    if (code === "EMFILE" || code === "ENFILE") return "exhausted";
    return undefined;
  }
}

const REMEDY =
  "it takes no new connection (clients, peers) and opens no file past it. Raise the limit " +
  "(ulimit -n, or LimitNOFILE= in its systemd unit), or find who holds connections open";

/** Tells a spell of short descriptors once, and its end. */
export class DescriptorAlarm {
  private isShort = false;

  /** What to log of `reading`: a warning as a spell begins, a notice as it ends, else nothing. */
  check(reading: DescriptorReading): { level: "warn" | "info"; message: string } | undefined {
    const isShort = reading === "exhausted" || reading.open >= SHORT_SHARE * reading.limit;
    if (isShort === this.isShort) return undefined;
    this.isShort = isShort;
    if (!isShort) return { level: "info", message: "File descriptors are no longer short" };
    const count =
      reading === "exhausted"
        ? "has no file descriptor to spare"
        : `has ${reading.open} of its ${reading.limit} file descriptors open`;
    return { level: "warn", message: `This process ${count}: ${REMEDY}` };
  }
}

/** Looks every DESCRIPTOR_CHECK_INTERVAL_MS until the returned function is called. */
export function watchDescriptors(logger: Logger): () => void {
  const alarm = new DescriptorAlarm();
  const timer = setInterval(() => {
    const reading = readDescriptors();
    const said = reading === undefined ? undefined : alarm.check(reading);
    if (said !== undefined) logger[said.level](said.message);
  }, DESCRIPTOR_CHECK_INTERVAL_MS);
  // The process ends when the node does, whatever this watch is doing.
  timer.unref();
  return () => clearInterval(timer);
}
