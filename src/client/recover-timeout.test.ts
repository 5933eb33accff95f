import { expect, test } from "bun:test";
import http2 from "node:http2";
import type net from "node:net";
import { RECOVER_TIMEOUT_MS } from "./client-timeouts.ts";
import { RaftoralClient } from "./raftoral-client.ts";

/** grpc-timeout's units, in ms. */
const UNIT_MS: Readonly<Record<string, number>> = {
  H: 3_600_000,
  M: 60_000,
  S: 1_000,
  m: 1,
  u: 0.001,
  n: 0.000_001,
};

/** The grpc-timeout of each call a bare HTTP/2 server receives, in ms; it answers UNAVAILABLE. */
async function deadlineRecorder() {
  const deadlines: number[] = [];
  const server = http2.createServer();
  server.on("stream", (bare, headers) => {
    const stream = bare as http2.ServerHttp2Stream;
    const [, value = "0", unit = "m"] =
      /^(\d+)([HMSmun])$/.exec(String(headers["grpc-timeout"])) ?? [];
    deadlines.push(Number(value) * (UNIT_MS[unit] ?? 0));
    stream.respond(
      { ":status": 200, "content-type": "application/grpc" },
      { waitForTrailers: true },
    );
    stream.on("wantTrailers", () =>
      stream.sendTrailers({ "grpc-status": "14", "grpc-message": "no leader here" }),
    );
    stream.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return { deadlines, address: `127.0.0.1:${port}`, close: () => server.close() };
}

test("a recovery is given time for its groups and the management group's record", async () => {
  const recorder = await deadlineRecorder();
  const client = new RaftoralClient([recorder.address], { transport: "grpc" });
  try {
    await client.recover({ dryRun: true }).catch(() => undefined);
    // Before, the client's 10 s: the node's own waits (10 s, then up to 10 s more) lost to it.
    expect(recorder.deadlines.length).toBe(1);
    expect(recorder.deadlines[0]).toBeGreaterThan(RECOVER_TIMEOUT_MS - 1_000);
    // A caller's own --timeout still rules.
    await client.recover({ dryRun: true }, { timeoutMs: 5_000 }).catch(() => undefined);
    expect(recorder.deadlines[1]).toBeLessThanOrEqual(5_000);
  } finally {
    await client.close();
    recorder.close();
  }
});
