// Nodes started together, each with --bootstrap and --peers naming the others, found one
// cluster between them, not one each. Such a node found no peer in a cluster before it
// listened (start-plan.ts); it now listens, says "candidate" in its Discover answers, and asks
// its peers again:
//
// - as a candidate it gives way to a peer in a cluster or a candidate at a lower address, and
//   waits while a peer says "founding" (that peer is asking its own peers once more, and
//   either founds or gives way in a moment); otherwise it says "founding" and
// - as a founder asks every peer once more, giving way to a peer in a cluster or one at a
//   lower address that is a candidate or founding; otherwise it founds the cluster.
//
// Why two nodes never both found: say A < B (addresses) and B founded. B's last round asked A
// while B said "founding". Had A been a candidate or founder then, B would have given way; so
// A was silent (not listening yet) or had given way already. If silent, A listened later, and
// every round of A's sees B founding or founded: A waits, then joins. Only nodes started with
// --bootstrap and --peers take part, and each must list all the others; a peer that is not up
// yet finds the cluster when it starts, unless the founder went down first (founder-split.ts).

import { type Clock, type Logger, RaftoralError } from "../lib/index.ts";
import type { FoundingState, TransportKind } from "../transport/index.ts";
import {
  type Candidate,
  type ClusterProbe,
  type JoinTiming,
  probeForCluster,
} from "./join-cluster.ts";
import type { PeerClients } from "./peer-clients.ts";

/** Whether this node founds the cluster, or joins the one a peer founds. */
export type Settled = "found" | "join";

/** What a round of asking makes of the candidates (see the file comment). */
export type Verdict = Settled | "wait";

export interface FoundingOptions {
  /** The address the peers know this node by (--advertise, else --listen). */
  readonly self: string;
  readonly peers: readonly string[];
  readonly preferred: TransportKind;
  readonly timing: JoinTiming;
  readonly clients: PeerClients;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly timeoutMs: number;
  /** Sets what this node's Discover answers say of it from now on (absent: nothing). */
  readonly say: (state: FoundingState | undefined) => void;
  /** Asks every peer once; probeForCluster unless a test scripts the answers. */
  readonly probe?: () => Promise<ClusterProbe>;
}

export async function settleFounder(options: FoundingOptions): Promise<Settled> {
  const deadline = options.clock.nowMs() + options.timeoutMs;
  options.say("candidate");
  if ((await askRound(options, "candidate", deadline)) === "found") {
    // Said before the round starts: a peer that asks from now on sees this node's decision.
    options.say("founding");
    if ((await askRound(options, "founding", deadline)) === "found") return "found";
  }
  options.say(undefined);
  return "join";
}

/** The verdict on one round's candidates, for a node that is `state` at `self`. */
export function judge(
  state: FoundingState,
  self: string,
  candidates: readonly Candidate[],
): Verdict {
  const isLower = (candidate: Candidate) => candidate.address < self;
  if (state === "founding") return candidates.some(isLower) ? "join" : "found";
  if (candidates.some((c) => c.founding === "candidate" && isLower(c))) return "join";
  return candidates.some((c) => c.founding === "founding") ? "wait" : "found";
}

/** The lowest settling peer below `self`: the one a node that gives way gives way to. */
export function givenWayTo(self: string, candidates: readonly Candidate[]): string | undefined {
  return candidates
    .map((candidate) => candidate.address)
    .filter((address) => address < self)
    .sort()[0];
}

/** Asks the peers until the answers decide (a peer that did not answer is asked again). */
async function askRound(
  options: FoundingOptions,
  state: FoundingState,
  deadline: number,
): Promise<Settled> {
  const { clock, timing } = options;
  const probe =
    options.probe ??
    (() =>
      probeForCluster({
        peers: options.peers,
        preferred: options.preferred,
        timing,
        clients: options.clients,
      }));
  for (;;) {
    const answer = await probe();
    if (answer.kind === "found") {
      options.logger.info("A peer founded the cluster meanwhile; joining it", {
        peer: answer.found.peer,
      });
      return "join";
    }
    const candidates = answer.kind === "none" ? answer.candidates : undefined;
    const verdict = candidates === undefined ? "wait" : judge(state, options.self, candidates);
    if (verdict === "join") {
      // Not necessarily the founder: that peer may give way in turn to one lower still.
      options.logger.info(
        "A peer at a lower address is settling who founds the cluster; giving way, and joining the cluster one of them founds",
        { peer: givenWayTo(options.self, candidates ?? []) },
      );
    }
    if (verdict !== "wait") return verdict;
    if (clock.nowMs() + timing.retryDelayMs > deadline) throw undecided(answer);
    await new Promise<void>((resolve) => clock.setTimer(timing.retryDelayMs, resolve));
  }
}

function undecided(answer: ClusterProbe): RaftoralError {
  const why =
    answer.kind === "unanswered"
      ? `${answer.peers.join(", ")} took a connection but did not answer`
      : "a peer kept saying it is about to found the cluster";
  return new RaftoralError(
    "UNAVAILABLE",
    `--bootstrap with --peers: ${why}, so this node cannot tell whether they form a cluster ` +
      "already, and founds none. Start it again once they answer (or without --peers to " +
      "found a new cluster)",
  );
}
