// The physical floor of this machine, measured in the same run as the other benchmarks so that
// their figures can be read as ratios to it: one fsync of a 4 KiB append, one loopback TCP
// round trip, one HTTP round trip on loopback (Bun on both ends). One replicated commit can
// never beat "a round trip plus a follower's fsync".
// Also the same write and fsync into blocks the file already has (no size to commit), and
// the append's fsync made by three processes at once, each on its own file, as the three
// nodes of a cluster on this one disk do for every commit (a real cluster has a disk each).
// And the skeleton of a whole commit among three processes (commit-skeleton.ts), with the
// disk's own writes and with Raftoral's storage.

import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { machineLoad, round, scaled, summarize } from "./bench-stats.ts";
import { skeletonCommits } from "./commit-skeleton.ts";

const APPEND = new Uint8Array(4096).fill(0x5a);

/** Run as `floor.bench.ts --fsync-writer N START_MS`: N fsyncs from START_MS on, as JSON. */
const WRITER_FLAG = "--fsync-writer";

function fsyncSamples(count: number): number[] {
  const directory = mkdtempSync(join(tmpdir(), "raftoral-floor-"));
  const descriptor = openSync(join(directory, "append.bin"), "a");
  try {
    return Array.from({ length: count }, () => {
      const begin = performance.now();
      writeSync(descriptor, APPEND);
      fdatasyncSync(descriptor);
      return performance.now() - begin;
    });
  } finally {
    closeSync(descriptor);
    rmSync(directory, { recursive: true, force: true });
  }
}

/**
 * The same write and fdatasync, into blocks the file already has (written and synced first):
 * no new size or blocks to commit, as SQLite's WAL once it has room (src/storage/wal-space.ts).
 */
function overwriteFsyncSamples(count: number): number[] {
  const directory = mkdtempSync(join(tmpdir(), "raftoral-floor-"));
  const descriptor = openSync(join(directory, "overwrite.bin"), "w+");
  try {
    for (let k = 0; k < count; k++) writeSync(descriptor, APPEND, 0, APPEND.length, k * 4096);
    fdatasyncSync(descriptor);
    return Array.from({ length: count }, (_, k) => {
      const begin = performance.now();
      writeSync(descriptor, APPEND, 0, APPEND.length, k * 4096);
      fdatasyncSync(descriptor);
      return performance.now() - begin;
    });
  } finally {
    closeSync(descriptor);
    rmSync(directory, { recursive: true, force: true });
  }
}

async function tcpSamples(count: number): Promise<number[]> {
  const server = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: { data: (socket, data) => void socket.write(data) },
  });
  let answered: (() => void) | undefined;
  const client = await Bun.connect({
    hostname: "127.0.0.1",
    port: server.port,
    socket: { data: () => answered?.() },
  });
  const samples: number[] = [];
  try {
    for (let k = 0; k < count; k++) {
      const begin = performance.now();
      const echoed = new Promise<void>((resolve) => {
        answered = resolve;
      });
      client.write("x");
      await echoed;
      samples.push(performance.now() - begin);
    }
    return samples;
  } finally {
    client.end();
    server.stop(true);
  }
}

async function httpSamples(count: number): Promise<number[]> {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("ok") });
  const url = `http://127.0.0.1:${server.port}/`;
  const samples: number[] = [];
  try {
    for (let k = 0; k < count; k++) {
      const begin = performance.now();
      await (await fetch(url)).text();
      samples.push(performance.now() - begin);
    }
    return samples;
  } finally {
    await server.stop(true);
  }
}

/** fsyncSamples in three processes at once (a shared start time lines them up). */
async function threeAtOnceSamples(count: number): Promise<number[]> {
  const startMs = Date.now() + 500;
  const writers = Array.from({ length: 3 }, () =>
    Bun.spawn([process.execPath, import.meta.path, WRITER_FLAG, String(count), String(startMs)], {
      stdout: "pipe",
      stderr: "inherit",
    }),
  );
  const outputs = await Promise.all(writers.map((writer) => new Response(writer.stdout).text()));
  for (const writer of writers) {
    const code = await writer.exited;
    if (code !== 0) throw new Error(`an fsync writer exited with ${code}`);
  }
  return outputs.flatMap((output) => JSON.parse(output) as number[]);
}

if (process.argv[2] === WRITER_FLAG) {
  const [count, startMs] = process.argv.slice(3).map(Number);
  fsyncSamples(5);
  await Bun.sleep(Math.max(0, (startMs ?? 0) - Date.now()));
  console.log(JSON.stringify(fsyncSamples(count ?? 0)));
  process.exit(0);
}

// Warm the paths first: the first connection and the first fsync of a file cost more.
await tcpSamples(20);
await httpSamples(20);
const fsync = summarize(fsyncSamples(scaled(300)));
const fsyncOverwrite = summarize(overwriteFsyncSamples(scaled(300)));
const fsyncThreeAtOnce = summarize(await threeAtOnceSamples(scaled(300)));
const tcp = summarize(await tcpSamples(scaled(1000)));
const http = summarize(await httpSamples(scaled(500)));
const skeleton = summarize((await skeletonCommits("raw", scaled(1000))).samples);
const skeletonSqlite = summarize((await skeletonCommits("sqlite", scaled(1000))).samples);
const skeletonSteps = await skeletonCommits("sqlite", scaled(1000), "steps");
console.log(
  JSON.stringify({
    bench: "floor",
    fsync4KiBP50Ms: fsync.p50Ms,
    fsync4KiBOverwriteP50Ms: fsyncOverwrite.p50Ms,
    fsync4KiBThreeAtOnceP50Ms: fsyncThreeAtOnce.p50Ms,
    loopbackRttP50Ms: tcp.p50Ms,
    httpRttP50Ms: http.p50Ms,
    /** What one replicated commit can never beat: a round trip and a follower's fsync. */
    commitFloorMs: round(fsync.p50Ms + tcp.p50Ms),
    /** Three processes on this machine, one commit at a time, doing nothing else. */
    commitSkeletonP50Ms: skeleton.p50Ms,
    commitSkeletonP99Ms: skeleton.p99Ms,
    /** The same with Raftoral's SQLite storage as every write. */
    commitSkeletonSqliteP50Ms: skeletonSqlite.p50Ms,
    commitSkeletonSqliteP99Ms: skeletonSqlite.p99Ms,
    /**
     * The same with each commit started once the one before is made, not waiting for the
     * slower follower: the pace of a sequential W2's steps, the disk's share of a step.
     */
    commitSkeletonSqliteStepMs: round(skeletonSteps.cycleMs),
    ...machineLoad(),
  }),
);
