import { randomBytes } from "node:crypto";

const ttlMs = 60_000;
/** Unredeemed tokens kept at most; beyond it the oldest go (they expire within a minute anyway). */
const maxPending = 10_000;

/**
 * One-time tokens for the `/live` socket: `GET /api/live/session` issues one, the socket.io
 * handshake (`auth: { token }`) redeems it within a minute. Keeps other sites' pages, which cannot
 * read our HTTP responses, from opening live sessions in a visitor's browser.
 */
export class SessionTokens {
  private readonly pending = new Map<string, number>();

  issue(): { token: string; expiresInS: number } {
    const now = Date.now();
    for (const [token, expires] of this.pending) {
      if (expires > now && this.pending.size < maxPending) break;
      this.pending.delete(token); // Map iterates oldest first
    }
    const token = randomBytes(24).toString("base64url");
    this.pending.set(token, now + ttlMs);
    return { token, expiresInS: ttlMs / 1000 };
  }

  /** True once per issued, unexpired token. */
  redeem(token: unknown): boolean {
    if (typeof token !== "string") return false;
    const expires = this.pending.get(token);
    this.pending.delete(token);
    return expires !== undefined && expires > Date.now();
  }
}
