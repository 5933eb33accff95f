// Discover over both protocols: our clients against the real HTTP and gRPC servers in front of
// a fake NodeApi. The answering run's instance id comes back whole (a node taking a
// registration compares it with the joiner's), and a node that names none (an older build)
// leaves the field out rather than giving "" for an id.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DISCOVERY, FakeNodeApi } from "../../test/contracts/fake-node-api.ts";
import { servedOverBothProtocols } from "../../test/support/both-protocols.ts";

const api = new FakeNodeApi();
const served = servedOverBothProtocols(api);
beforeAll(() => served.start());
afterAll(() => served.stop());

describe.each(["grpc", "http"] as const)("Discover over %s", (protocol) => {
  const discover = () => served.client(protocol).discover({ timeoutMs: 5_000 });

  test("the answer comes back whole, the instance id with it", async () => {
    api.reset();
    expect(await discover()).toEqual({ ...DISCOVERY, transport: protocol });
  });

  test("an answer without an instance id has none, not an empty one", async () => {
    api.reset();
    const { instanceId: _, ...older } = DISCOVERY;
    api.script.discover = async () => older;
    const info = await discover();
    expect(info.instanceId).toBeUndefined();
    expect(info.address).toBe(DISCOVERY.address);
  });
});
