// The HTTP side: one Fastify app and one socket.io Server on the same HTTP server, `GET /healthz`,
// `GET /metrics`, and the built client (dist/client) as static files, behind the request guard
// (Origin, Host) and with the security headers. Features (jobs, live) add
// themselves with a function taking the ServerContext: routes/plugins on `app`, namespaces on `io`
// (`/jobs`, `/live`), metrics on the shared registry, and a close hook via `onClose`.
import { existsSync } from "node:fs";
import fastifyStatic from "@fastify/static";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import { Server as SocketServer } from "socket.io";
import type { Config } from "../config/schema.js";
import type { SketchEngine } from "../engine/index.js";
import type { Logger } from "../log.js";
import { clientDir } from "../paths.js";
import { serveMetrics } from "./metrics-endpoint.js";
import { requestGuard } from "./request-guard.js";
import { installSecurityHeaders } from "./security-headers.js";

export interface ServerContext {
  app: FastifyInstance;
  io: SocketServer;
  config: Config;
  log: Logger;
  engine: SketchEngine;
  /** Runs at shutdown, latest registered first, before socket.io and HTTP close. */
  onClose(hook: () => Promise<void> | void): void;
}

export type Feature = (ctx: ServerContext) => Promise<unknown> | unknown;

export interface SketchServer extends ServerContext {
  /** Starts listening on config.host:config.port; resolves with the address. */
  listen(): Promise<string>;
  /** Runs the close hooks, then closes socket.io and the HTTP server. Idempotent. */
  close(): Promise<void>;
}

const startedAt = Date.now();

export async function createServer(
  config: Config,
  deps: { engine: SketchEngine; log: Logger },
): Promise<SketchServer> {
  const { engine, log } = deps;
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    // A line per request (metrics scrapes, job polling) would drown the logs that matter.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1 << 20,
  });
  const guard = requestGuard(config);
  guard.install(app);
  installSecurityHeaders(app);
  const io = new SocketServer(app.server, {
    serveClient: false,
    allowRequest: guard.allowRequest,
    // A client whose network went away is noticed within 3 s (socket.io's default: up to 45 s),
    // so a call drops its tile and its ffmpegs end; one ping a second per socket is nothing.
    pingInterval: 1000,
    pingTimeout: 2000,
  });
  const hooks: (() => Promise<void> | void)[] = [];

  app.get("/healthz", async () => ({
    status: "ok",
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    engine: { ep: engine.ep, model: engine.modelVersion },
  }));
  const closeMetrics = await serveMetrics(app, config);
  hooks.push(closeMetrics);
  if (existsSync(clientDir)) {
    await app.register(fastifyStatic, { root: clientDir, wildcard: false });
  } else {
    log.warn("the client is not built (npm run build:client); serving the API only");
  }

  let closing: Promise<void> | undefined;
  return {
    app,
    io,
    config,
    log,
    engine,
    onClose: (hook) => void hooks.push(hook),
    async listen() {
      return app.listen({ port: config.port, host: config.host });
    },
    close() {
      closing ??= (async () => {
        for (const hook of hooks.reverse()) {
          await Promise.resolve()
            .then(hook)
            .catch((err: unknown) => log.error({ err }, "close hook failed"));
        }
        // socket.io's close also closes the HTTP server; Fastify's close runs its preClose/onClose
        // hooks and waits for requests in flight.
        await new Promise<void>((resolve) => io.close(() => resolve()));
        await app.close();
      })();
      return closing;
    },
  };
}
