// Proposals that may wait a moment, gathered so that many share one commit. A start under a
// caller's id releases its claim in the management log once its Start is committed, and
// nobody waits for that release (docs/workflows.md, "Caller-chosen ids"). Proposed one by one,
// each release was a management commit of its own that ran beside the workflow's own commits
// on the same processes and disk (0.2-0.75 ms more per sequential start under an id here;
// docs/performance.md, "A start under the caller's id"). Held for a short while and proposed
// together in one turn, the releases go into one append, one fsync per node and one commit.

/** How long a proposal may wait for others to join it. */
export const BATCH_DELAY_MS = 50;

interface Waiting {
  readonly command: Uint8Array;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export class BatchedProposals {
  private waiting: Waiting[] = [];

  /**
   * `propose` is the group's own proposal, called for every command of a batch in one go;
   * `schedule` runs the batch later (after BATCH_DELAY_MS, on the node's clock).
   */
  constructor(
    private readonly propose: (command: Uint8Array) => Promise<unknown>,
    private readonly schedule: (run: () => void) => void,
  ) {}

  /** Proposes `command` with the others of the next batch; settles as the proposal does. */
  add(command: Uint8Array): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ command, resolve, reject });
      if (this.waiting.length === 1) this.schedule(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.waiting;
    this.waiting = [];
    for (const { command, resolve, reject } of batch) this.propose(command).then(resolve, reject);
  }
}
