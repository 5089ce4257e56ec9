/**
 * Why a request failed: `invalid-request` (the payload did not validate), `not-found` (no such
 * transport/producer/consumer of this connection), `server-full` (a capacity limit; retry later),
 * `room-full` (the call has `--room-max-peers` participants), `failed` (anything else; the message
 * says what). Acks carry it as `code` (server/signaling/socketio/messages.ts).
 */
export type ErrorCode = "invalid-request" | "not-found" | "server-full" | "room-full" | "failed";

/** A request refused for a reason the client can act on. */
export class RequestError extends Error {
  override name = "RequestError";
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}
