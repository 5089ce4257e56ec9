import type { ErrorCode } from "./signaling-messages.js";

/** A request refused for a reason the client can act on; its `code` goes into the ack. */
export class RequestError extends Error {
  override name = "RequestError";
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}
