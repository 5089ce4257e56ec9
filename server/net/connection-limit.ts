// Sockets a stranger can hold open: a cap in all and one per client address, each connection counted
// from when it is taken until its release (idempotent) is called. The live signaling and the frame
// API each keep one, with their own limits and messages.
export type LimitHit = "total" | "address";

export class ConnectionLimit {
  private open = 0;
  private readonly perAddress = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly maxPerAddress: number,
  ) {}

  /** Which limit a new connection from `address` would pass, or undefined when there is room. */
  refusal(address: string): LimitHit | undefined {
    if (this.open >= this.max) return "total";
    if ((this.perAddress.get(clientKey(address)) ?? 0) >= this.maxPerAddress) return "address";
    return undefined;
  }

  /** Counts a connection from `address` (refusal() said there is room); returns its release. */
  take(address: string): () => void {
    const key = clientKey(address);
    this.open++;
    this.perAddress.set(key, (this.perAddress.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.open--;
      const n = (this.perAddress.get(key) ?? 1) - 1;
      if (n > 0) this.perAddress.set(key, n);
      else this.perAddress.delete(key);
    };
  }
}

/** The same client reads as "::ffff:1.2.3.4" on one socket and "1.2.3.4" on another. */
export function clientKey(address: string): string {
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}
