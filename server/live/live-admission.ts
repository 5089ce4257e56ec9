import type { Config } from "../config/schema.js";
import { RequestError } from "../media/request-error.js";
import { ConnectionLimit, clientKey } from "../net/connection-limit.js";

type Limits = Config["live"];

/**
 * Who may take live capacity: session tokens per client address and minute, connections in all
 * and per address, and sketch pipelines in all. Every `take` that succeeds returns a release
 * function, which the taker's owner calls exactly once when the thing ends.
 */
export class LiveAdmission {
  private pipelines = 0;
  private readonly connections: ConnectionLimit;
  /** Per address: the times (ms) of the tokens issued in the last minute, oldest first. */
  private readonly tokenTimes = new Map<string, number[]>();

  constructor(readonly limits: Limits) {
    this.connections = new ConnectionLimit(limits.maxConnections, limits.connectionsPerAddress);
  }

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
  connectionRefusal(address: string): string | undefined {
    const hit = this.connections.refusal(address);
    if (hit === "total") return `server full: ${this.limits.maxConnections} live connections are open`;
    if (hit === "address")
      return `server full: ${this.limits.connectionsPerAddress} live connections from your address are open`;
    return undefined;
  }

  takeConnection(address: string): () => void {
    const refusal = this.connectionRefusal(address);
    if (refusal) throw new RequestError("server-full", refusal);
    return this.connections.take(address);
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

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
