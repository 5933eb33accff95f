// The cluster retention call over both protocols: our clients against the real HTTP and gRPC
// servers in front of a fake NodeApi. What the node receives must say which fields the
// caller set, 0 included (a duration of 0 is a real value: no limit, no floor).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { FakeNodeApi } from "../../test/contracts/fake-node-api.ts";
import { servedOverBothProtocols } from "../../test/support/both-protocols.ts";
import type { RetentionRequest } from "../transport/index.ts";

const api = new FakeNodeApi();
const served = servedOverBothProtocols(api);
beforeAll(() => served.start());
afterAll(() => served.stop());

const CASES: readonly [string, RetentionRequest][] = [
  ["nothing (a read)", {}],
  ["the count only", { finishedMax: 25 }],
  ["durations of 0", { retainForMs: 0, retainAtLeastMs: 0 }],
  ["every field", { finishedMax: 3, retainForMs: 86_400_000, retainAtLeastMs: 60_000 }],
];

describe.each(["grpc", "http"] as const)("cluster retention over %s", (protocol) => {
  test.each(CASES)("the node receives %s, and the answer comes back whole", async (_, request) => {
    api.reset();
    const info = await served.client(protocol).clusterRetention(request, { timeoutMs: 5_000 });
    expect(api.lastCall("clusterRetention").request).toEqual(request);
    expect(info).toEqual({
      retention: { finishedMax: 10_000, retainForMs: 0, retainAtLeastMs: 3_600_000, ...request },
      isSet: true,
    });
  });
});
