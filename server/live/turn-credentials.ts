// Short-lived TURN credentials, the TURN REST API scheme (coturn's `use-auth-secret` with
// `static-auth-secret`): username `<expiry unix time>:<random id>`, credential
// base64(HMAC-SHA1(secret, username)). The TURN server checks the HMAC and the expiry itself, so
// nothing is shared with it but the secret, and a credential copied out of a page stops working.
// Without a secret, the static username/credential (if any) are handed out as configured.
import { createHmac, randomBytes } from "node:crypto";
import type { Config } from "../config/schema.js";
import type { IceServer } from "../signaling/socketio/messages.js";

export function turnCredential(secret: string, username: string): string {
  return createHmac("sha1", secret).update(username).digest("base64");
}

/** A function giving the ICE servers for one new live session. */
export function turnIceServers(turn: Config["turn"]): () => IceServer[] {
  const { urls, secret, ttlS } = turn;
  if (!urls.length) return () => [];
  if (secret === undefined) return () => [{ urls, username: turn.username, credential: turn.credential }];
  return () => {
    const username = `${Math.floor(Date.now() / 1000) + ttlS}:${randomBytes(9).toString("base64url")}`;
    return [{ urls, username, credential: turnCredential(secret, username) }];
  };
}
