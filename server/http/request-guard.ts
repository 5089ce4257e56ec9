// Who may talk to the server from a browser. A page on another site can make the browser send
// requests here (form POSTs, WebSockets) but cannot hide its own `Origin`, so state-changing HTTP
// requests and socket.io connections that carry a foreign Origin are refused; clients without one
// (curl, scripts) are not browsers acting for someone else and pass. With `publicUrl` set the
// `Host` header must name it (or loopback): a DNS-rebinding page reaches the server under its own
// host name and is refused before anything else.
import type { IncomingHttpHeaders } from "node:http";
import type { FastifyInstance } from "fastify";
import type { Config } from "../config/schema.js";

export interface Refusal {
  status: 403 | 421;
  error: string;
}

const loopbackHost = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/i;
const readOnly = new Set(["GET", "HEAD", "OPTIONS"]);
// WHIP and WHEP authenticate with a bearer token the client sends itself (or, viewing without a
// view token, are open by design), never with anything a browser adds on its own, so browser-based
// clients on any site may call them (CORS, RFC 9725 §4.2).
const tokenAuthenticated = /^\/(whip|whep)\//;

function originOf(value: string): string | undefined {
  try {
    return new URL(value).origin;
  } catch {
    return undefined;
  }
}

export function requestGuard(config: Pick<Config, "allowedOrigins" | "publicUrl">) {
  const publicUrl = config.publicUrl ? new URL(config.publicUrl) : undefined;
  const allowed = new Set(config.allowedOrigins.map((o) => originOf(o) ?? o));
  if (publicUrl) allowed.add(publicUrl.origin);

  /** Why a request with these headers is refused, or undefined when it may go on. */
  function check(headers: IncomingHttpHeaders, changesState: boolean): Refusal | undefined {
    const host = headers.host ?? "";
    if (publicUrl && host.toLowerCase() !== publicUrl.host && !loopbackHost.test(host)) {
      return { status: 421, error: `this server answers as ${publicUrl.host}, not as "${host}"` };
    }
    const origin = headers.origin;
    if (!changesState || origin === undefined) return undefined;
    // The page's own origin: same host (scheme aside: behind a TLS proxy the page is https while
    // the request arrives here as http), or an origin the operator allowed.
    const originUrl = originOf(origin);
    if (originUrl && (new URL(originUrl).host === host.toLowerCase() || allowed.has(originUrl)))
      return undefined;
    return {
      status: 403,
      error: `cross-origin request refused: origin "${origin}" is not this server's (see --allowed-origins)`,
    };
  }

  return {
    check,
    /** Fastify: every request's Host, and the Origin of state-changing ones. */
    install(app: FastifyInstance) {
      app.addHook("onRequest", async (req, reply) => {
        const refusal = check(req.headers, !readOnly.has(req.method) && !tokenAuthenticated.test(req.url));
        if (refusal) return reply.code(refusal.status).send({ error: refusal.error });
      });
    },
    /** socket.io's `allowRequest` (every namespace: it runs on engine.io's handshake and upgrade). */
    allowRequest(req: { headers: IncomingHttpHeaders }, callback: (err: string | null, ok: boolean) => void) {
      const refusal = check(req.headers, true);
      callback(refusal ? refusal.error : null, !refusal);
    },
  };
}
