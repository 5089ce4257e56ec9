import type { Config } from "../config/schema.js";
import { RequestError } from "../media/request-error.js";

type Limits = Config["live"];

/**
 * Who may take live capacity: session tokens per client address and minute, connections in all
 * and per address, and sketch pipelines in all. Every `take` that succeeds returns a release
 * function, which the taker's owner calls exactly once when the thing ends.
 */
export class LiveAdmission {
  private connections = 0;
  private pipelines = 0;
  private readonly perAddress = new Map<string, number>();
  /** Per address: the times (ms) of the tokens issued in the last minute, oldest first. */
  private readonly tokenTimes = new Map<string, number[]>();

  constructor(readonly limits: Limits) {}

  /** Seconds until `address` may take another token, or 0 when it may now. */
  tokenRetryAfterS(rawAddress: string, now = Date.now()): number {
    const address = clientKey(rawAddress);
    const times = (this.tokenTimes.get(address) ?? []).filter((t) => t > now - 60_000);
    if (times.length === 0) this.tokenTimes.delete(address);
    else this.tokenTimes.set(address, times);
    if (times.length < this.limits.tokensPerMinute) return 0;
    return Math.max(1, Math.ceil(((times[0] as number) + 60_000 - now) / 1000));
  }

  /** Records a token issued to `address` (call after tokenRetryAfterS said 0). */
  tokenIssued(rawAddress: string, now = Date.now()): void {
    const address = clientKey(rawAddress);
    const times = this.tokenTimes.get(address) ?? [];
    times.push(now);
    this.tokenTimes.set(address, times);
    // Addresses that stopped asking are forgotten when the map grows, so it cannot grow unbounded.
    if (this.tokenTimes.size > 10_000) for (const a of this.tokenTimes.keys()) this.tokenRetryAfterS(a, now);
  }

  /** Why a new connection would be refused now, or undefined when there is room. */
  connectionRefusal(rawAddress: string): string | undefined {
    const address = clientKey(rawAddress);
    if (this.connections >= this.limits.maxConnections)
      return `server full: ${this.limits.maxConnections} live connections are open`;
    if ((this.perAddress.get(address) ?? 0) >= this.limits.connectionsPerAddress)
      return `server full: ${this.limits.connectionsPerAddress} live connections from your address are open`;
    return undefined;
  }

  takeConnection(rawAddress: string): () => void {
    const address = clientKey(rawAddress);
    const refusal = this.connectionRefusal(address);
    if (refusal) throw new RequestError("server-full", refusal);
    this.connections++;
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    return once(() => {
      this.connections--;
      const n = (this.perAddress.get(address) ?? 1) - 1;
      if (n > 0) this.perAddress.set(address, n);
      else this.perAddress.delete(address);
    });
  }

  takePipeline(): () => void {
    if (this.pipelines >= this.limits.maxPipelines)
      throw new RequestError(
        "server-full",
        `server full: it is sketching ${this.limits.maxPipelines} cameras, its limit; try again later`,
      );
    this.pipelines++;
    return once(() => void this.pipelines--);
  }
}

/** The same client reads as "::ffff:1.2.3.4" on one socket and "1.2.3.4" on another. */
function clientKey(address: string): string {
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
