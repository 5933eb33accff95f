// A closed loop: `inFlight` callers, each starting the next run as soon as its last one ended,
// until `total` runs are done. Shared by the benches that load a cluster to a fixed depth.

/** Runs `run(0..total-1)` with `inFlight` of them running at a time. */
export async function closedLoop(
  total: number,
  inFlight: number,
  run: (k: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      for (let k = next++; k < total; k = next++) await run(k);
    }),
  );
}
