// `GET /metrics`: on the main port (default, as a self-hoster's Prometheus expects), or with
// `metrics.port` on a listener of its own and not on the main port (so a firewall can keep it
// internal); with `metrics.token` only for `Authorization: Bearer <token>`.
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { FastifyInstance } from "fastify";
import type { Config } from "../config/schema.js";
import { metrics } from "../metrics.js";

type Answer = { status: number; type: string; body: string };

const digest = (s: string) => createHash("sha256").update(s).digest();

async function answer(token: string | undefined, headers: IncomingHttpHeaders): Promise<Answer> {
  if (token !== undefined) {
    const given = /^Bearer (.+)$/i.exec(headers.authorization ?? "")?.[1] ?? "";
    // Compared as digests: equal length, constant time.
    if (!timingSafeEqual(digest(given), digest(token))) {
      return {
        status: 401,
        type: "application/json",
        body: JSON.stringify({ error: "metrics need a bearer token" }),
      };
    }
  }
  return { status: 200, type: metrics.contentType, body: await metrics.metrics() };
}

/** Serves the metrics as configured; resolves with a close function (a no-op on the main port). */
export async function serveMetrics(
  app: FastifyInstance,
  config: Pick<Config, "host" | "metrics">,
): Promise<() => Promise<void>> {
  const { port, token } = config.metrics;
  if (port === undefined) {
    app.get("/metrics", async (req, reply) => {
      const a = await answer(token, req.headers);
      return reply.code(a.status).type(a.type).send(a.body);
    });
    return async () => {};
  }
  const server: Server = createServer((req, res) => {
    const done = (a: Answer) => res.writeHead(a.status, { "content-type": a.type }).end(a.body);
    if (req.method !== "GET" || req.url?.split("?")[0] !== "/metrics") {
      done({
        status: 404,
        type: "application/json",
        body: JSON.stringify({ error: "only GET /metrics here" }),
      });
      return;
    }
    answer(token, req.headers).then(done, (err: unknown) =>
      done({ status: 500, type: "application/json", body: JSON.stringify({ error: String(err) }) }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, config.host, () => resolve());
  });
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
