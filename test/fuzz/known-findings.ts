// Open findings of the fuzzer: inputs known to crash a node, to get an unexpected internal
// error or to grow its memory, each with a failing regression test in findings.test.ts.
// While a finding is open, campaigns do not send inputs that match it (they would stop every
// run at the same spot); they count them as "skip:open-finding-<id>" instead. When a finding
// is fixed, delete its entry here: the campaigns then cover that class again. F1-F8 are
// fixed (docs/testing.md keeps the list); none is open now.

import type { PeerBatch } from "../../src/transport/index.ts";
import type { PeerContext } from "./peer-inputs.ts";
import type { RawHttpRequest } from "./raw-http.ts";

interface OpenFinding {
  readonly id: string;
  /** Whether delivering `batch` to the node described by `context` triggers the finding. */
  readonly matchesBatch?: (batch: PeerBatch, context: PeerContext) => boolean;
  readonly matchesHttp?: (request: RawHttpRequest) => boolean;
}

const OPEN_FINDINGS: readonly OpenFinding[] = [];

/** The id of the first open finding `batch` triggers, if any. */
export function openFindingOf(batch: PeerBatch, context: PeerContext): string | undefined {
  return OPEN_FINDINGS.find((finding) => finding.matchesBatch?.(batch, context) === true)?.id;
}

/** The id of the first open finding an HTTP client request triggers, if any. */
export function openFindingOfHttp(request: RawHttpRequest): string | undefined {
  return OPEN_FINDINGS.find((finding) => finding.matchesHttp?.(request) === true)?.id;
}
