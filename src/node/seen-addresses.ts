// The peer addresses a node has come across while it ran, where it registers again when it
// was cut off while the cluster replaced every member it knows (and asks whether a forced
// recovery left it behind, restart-check.ts):
// - listed: in the management state (removed nodes' too), of a node that may have been
//   removed and come back;
// - given: with --peers;
// - heard: as the address a peer batch said it came from, accepted or not, of a node that
//   joined while this one was not listening. Without a cluster secret anyone can send a batch,
//   so these come last and are bounded on their own: they can neither crowd out nor delay
//   the listed ones.

/** More distinct addresses than any real cluster has; the oldest heard go first. */
const HEARD_ADDRESSES_MAX = 256;

export class SeenAddresses {
  private readonly listed = new Set<string>();
  private readonly heard = new Set<string>();

  constructor(
    private readonly own: string,
    private readonly given: readonly string[] = [],
  ) {}

  addListed(address: string): void {
    if (address !== this.own) this.listed.add(address);
  }

  addHeard(address: string): void {
    if (address === this.own || this.heard.has(address)) return;
    if (this.heard.size >= HEARD_ADDRESSES_MAX) {
      const oldest = this.heard.values().next().value;
      if (oldest !== undefined) this.heard.delete(oldest);
    }
    this.heard.add(address);
  }

  /** The listed addresses first, then the given ones, then those only heard. */
  list(): string[] {
    const given = this.given.filter((address) => address !== this.own);
    return [...new Set([...this.listed, ...given, ...this.heard])];
  }
}
