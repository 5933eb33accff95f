// Bytes a server holds on behalf of callers, under one limit shared by all of them: answers
// not yet read (grpc/unread-answers.ts), request messages not yet whole
// (grpc/partial-requests.ts), request bodies still arriving (http/request-body.ts). Each of
// those says why it needs a budget; this only counts.

export class ByteBudget {
  private held = 0;

  constructor(readonly bytesMax: number) {}

  /** Bytes counted and not yet given back. */
  get bytesHeld(): number {
    return this.held;
  }

  /** Counts `bytes` if they fit; says whether they did. */
  tryTake(bytes: number): boolean {
    if (this.held + bytes > this.bytesMax) return false;
    this.held += bytes;
    return true;
  }

  /** Gives back `bytes` counted before (their holder let them go). */
  give(bytes: number): void {
    this.held -= bytes;
  }
}
