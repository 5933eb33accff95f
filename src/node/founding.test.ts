import { describe, expect, test } from "bun:test";
import { createLogger, type Random, seededRandom, VirtualClock } from "../lib/index.ts";
import type { DiscoveryInfo, FoundingState } from "../transport/index.ts";
import { givenWayTo, judge, type Settled, settleFounder } from "./founding.ts";
import type { Candidate, ClusterProbe } from "./join-cluster.ts";
import { PeerClients } from "./peer-clients.ts";

const TIMING = { callTimeoutMs: 1_000, retryDelayMs: 20 };

describe("judge", () => {
  const at = (address: string, founding: FoundingState): Candidate => ({ address, founding });

  test("a candidate gives way to a lower candidate, waits for any founder, else founds", () => {
    expect(judge("candidate", "b:1", [])).toBe("found");
    expect(judge("candidate", "b:1", [at("c:1", "candidate")])).toBe("found");
    expect(judge("candidate", "b:1", [at("a:1", "candidate")])).toBe("join");
    expect(judge("candidate", "b:1", [at("c:1", "founding")])).toBe("wait");
    expect(judge("candidate", "b:1", [at("a:1", "founding")])).toBe("wait");
  });

  test("a founder gives way to any lower peer settling, and only to those", () => {
    expect(judge("founding", "b:1", [at("c:1", "founding"), at("c:2", "candidate")])).toBe("found");
    expect(judge("founding", "b:1", [at("a:1", "candidate")])).toBe("join");
    expect(judge("founding", "b:1", [at("a:1", "founding")])).toBe("join");
  });
});

describe("givenWayTo", () => {
  test("names the lowest settling peer below this node, not the lowest peer of all", () => {
    const peers: Candidate[] = [
      { address: "c:1", founding: "candidate" },
      { address: "a:1", founding: "founding" },
    ];
    expect(givenWayTo("b:1", peers)).toBe("a:1");
    expect(givenWayTo("a:0", peers)).toBeUndefined();
  });
});

/** One node of the model: when it starts listening, what it says, and what it decided. */
interface ModelNode {
  readonly address: string;
  readonly listensAtMs: number;
  isListening: boolean;
  says: FoundingState | undefined;
  isFounded: boolean;
  settled?: Settled;
  failure?: Error;
}

/**
 * Nodes that each listen at a random moment and settle who founds, asking each other with a
 * random delay per peer (and now and then no answer), as the rounds of real nodes interleave.
 */
async function runModel(seed: number, count: number): Promise<ModelNode[]> {
  const random = seededRandom(seed);
  const clock = new VirtualClock();
  const nodes: ModelNode[] = Array.from({ length: count }, (_, i) => ({
    address: `10.0.0.${i + 1}:7001`,
    listensAtMs: random.int(0, 60),
    isListening: false,
    says: undefined,
    isFounded: false,
  }));
  for (const node of nodes) {
    clock.setTimer(node.listensAtMs, () => {
      node.isListening = true;
      settleFounder({
        self: node.address,
        peers: nodes.filter((peer) => peer !== node).map((peer) => peer.address),
        preferred: "grpc",
        timing: TIMING,
        clients: new PeerClients(() => {
          throw new Error("the model asks through its own probe");
        }),
        clock,
        logger: createLogger({ level: "error", format: "text", write: () => undefined }),
        timeoutMs: 10_000,
        say: (state) => {
          node.says = state;
        },
        probe: () => probeModel(nodes, node, clock, random),
      }).then(
        (settled) => {
          node.settled = settled;
          // A founder answers from its cluster a moment later (its bootstrap's first write).
          if (settled === "found") clock.setTimer(random.int(0, 5), () => (node.isFounded = true));
        },
        (error: unknown) => {
          node.failure = error as Error;
        },
      );
    });
  }
  for (let ms = 0; ms < 2_000 && nodes.some((n) => n.settled === undefined); ms++) {
    clock.advance(1);
    for (let i = 0; i < 10; i++) await Promise.resolve();
  }
  return nodes;
}

async function probeModel(
  nodes: readonly ModelNode[],
  self: ModelNode,
  clock: VirtualClock,
  random: Random,
): Promise<ClusterProbe> {
  const candidates: Candidate[] = [];
  const unanswered: string[] = [];
  for (const peer of nodes) {
    if (peer === self) continue;
    await new Promise<void>((resolve) => clock.setTimer(random.int(0, 4), resolve));
    // What the peer's Discover answer says at the moment it is read.
    if (!peer.isListening) continue;
    if (random.chance(0.03)) {
      unanswered.push(peer.address);
      continue;
    }
    if (peer.isFounded) {
      const discovery = { nodeId: 1, address: peer.address } as unknown as DiscoveryInfo;
      return { kind: "found", found: { transport: "grpc", peer: peer.address, discovery } };
    }
    if (peer.says !== undefined) candidates.push({ address: peer.address, founding: peer.says });
  }
  return unanswered.length > 0
    ? { kind: "unanswered", peers: unanswered }
    : { kind: "none", candidates };
}

describe("nodes started together with --bootstrap and --peers", () => {
  for (const count of [2, 3, 5]) {
    test(`exactly one of ${count} founds the cluster, whatever the interleaving (600 seeds)`, async () => {
      for (let seed = 1; seed <= 600; seed++) {
        const nodes = await runModel(seed * 31 + count, count);
        const failures = nodes.flatMap((node) => (node.failure ? [node.failure.message] : []));
        expect({ seed, failures }).toEqual({ seed, failures: [] });
        const founders = nodes.filter((node) => node.settled === "found").map((n) => n.address);
        expect({ seed, founders: founders.length }).toEqual({ seed, founders: 1 });
        expect(nodes.every((node) => node.settled !== undefined)).toBe(true);
      }
    });
  }
});
