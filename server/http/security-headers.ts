// Headers on every response: the built client (dist/client) loads only its own scripts and styles,
// talks only to this server (socket.io's WebSocket included), shows camera and result media from
// blob: URLs, and must not be framed (clickjacking) or leak its URL (job ids) in Referer.
import type { FastifyInstance } from "fastify";

const hostName = /^([\w.-]+|\[[0-9a-f:.]+\])(:\d+)?$/i;

function contentSecurityPolicy(host: string | undefined): string {
  // 'self' does not cover ws:/wss: in every browser, so the socket's own host is named; a Host
  // header that is not a plain host[:port] gets none (it cannot be the page's).
  const sockets = host && hostName.test(host) ? ` ws://${host} wss://${host}` : "";
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    `connect-src 'self'${sockets}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook("onSend", async (req, reply) => {
    reply.header("content-security-policy", contentSecurityPolicy(req.headers.host));
    reply.header("x-content-type-options", "nosniff");
    reply.header("x-frame-options", "DENY");
    reply.header("referrer-policy", "no-referrer");
  });
}
