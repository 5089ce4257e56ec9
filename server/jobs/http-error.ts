import type { FastifyError, FastifyInstance } from "fastify";

/** An error whose message is meant for the API client, with the status to send it with. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Every error under this scope answers `{ error: "readable reason" }`: our HttpErrors as they are,
 * Fastify's own (bad content type, multipart limits…) with their status, anything else as a 500
 * that is logged, so one bad request never takes the server down.
 */
export function jsonErrors(scope: FastifyInstance): void {
  scope.setErrorHandler((err: FastifyError | HttpError, request, reply) => {
    const status = err instanceof HttpError ? err.status : (err.statusCode ?? 500);
    if (status >= 500 && !(err instanceof HttpError)) request.log.error({ err }, "request failed");
    // Our own 5xx (a full queue, a full disk) say why; unexpected failures do not leak details.
    const expose = status < 500 || err instanceof HttpError;
    void reply.code(status).send({ error: expose ? err.message : "internal error" });
  });
}
