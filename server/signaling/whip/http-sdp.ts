import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { RequestError } from "../../media/request-error.js";
import { SdpError } from "../sdp/sdp-offer.js";

/** An offer is a few KB; OBS's is 1.3 KB, Chromium's with every codec about 6 KB. */
const maxOfferBytes = 64 * 1024;

/**
 * What WHIP and WHEP share: `application/sdp` bodies, CORS for browser-based clients on other
 * sites (they authenticate with a bearer token, never with cookies), bearer tokens, and errors
 * as HTTP statuses with a plain-text reason.
 */
export function acceptSdpBodies(app: FastifyInstance): void {
  app.addContentTypeParser(
    "application/sdp",
    { parseAs: "string", bodyLimit: maxOfferBytes },
    (_req, body, done) => done(null, body),
  );
}

export function cors(reply: FastifyReply, methods: string): void {
  reply.header("access-control-allow-origin", "*");
  reply.header("access-control-allow-methods", methods);
  reply.header("access-control-allow-headers", "authorization, content-type, if-match");
  reply.header("access-control-expose-headers", "location, etag, link");
}

/** `OPTIONS` on these paths: the CORS preflight of browser-based clients. */
export function preflight(app: FastifyInstance, paths: string[], methods: string): void {
  for (const path of paths)
    app.options(path, async (_req, reply) => {
      cors(reply, methods);
      return reply.code(204).send();
    });
}

/** The request's bearer token (`Authorization: Bearer …`, or `?token=` for pages that cannot set headers). */
export function bearer(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  const m = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (m) return m[1];
  const q = (req.query as Record<string, unknown> | undefined)?.token;
  return typeof q === "string" ? q : undefined;
}

export function sameToken(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The offer in the body, or undefined after answering 415/400. */
export function offerBody(req: FastifyRequest, reply: FastifyReply): string | undefined {
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/sdp") {
    void reply.code(415).type("text/plain").send("the offer must be sent as Content-Type: application/sdp");
    return undefined;
  }
  if (typeof req.body !== "string" || req.body.length === 0) {
    void reply.code(400).type("text/plain").send("empty offer");
    return undefined;
  }
  return req.body;
}

/** A failed WHIP/WHEP request as a status with its reason (unexpected errors: 500, logged by the caller). */
export function errorStatus(err: unknown): { status: number; message: string; retryAfterS?: number } {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof SdpError) return { status: 400, message: `bad SDP offer: ${message}` };
  if (err instanceof RequestError) {
    switch (err.code) {
      case "not-found":
        return { status: 404, message };
      case "server-full":
      case "room-full":
        return { status: 503, message, retryAfterS: 10 };
      case "invalid-request":
        return { status: 400, message };
      default:
        return { status: 500, message };
    }
  }
  return { status: 500, message };
}

export function sendError(reply: FastifyReply, err: unknown): FastifyReply {
  const { status, message, retryAfterS } = errorStatus(err);
  if (retryAfterS) reply.header("retry-after", String(retryAfterS));
  return reply.code(status).type("text/plain").send(message);
}
