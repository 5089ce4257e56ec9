// TURN credentials are per live session and short-lived (TURN REST API: HMAC-SHA1 of
// `<expiry>:<id>` with the shared secret, as coturn's use-auth-secret checks them), and /metrics
// can move to a port of its own behind a bearer token.
import { createHmac } from "node:crypto";
import { io } from "socket.io-client";
import { afterAll, beforeAll, expect, test } from "vitest";
import { freePort, type RunningServer, removeDataDir, startServer } from "../helpers/server.js";

const secret = "turn-shared-secret";
const ttlS = 600;
const token = "scrape-me";
let server: RunningServer;
let metricsPort: number;

beforeAll(async () => {
  metricsPort = await freePort();
  server = await startServer({
    args: ["--turn-urls", "turn:turn.example:3478", "--turn-secret", secret, "--turn-ttl-s", String(ttlS)],
    env: { SKETCHCAST_METRICS_PORT: String(metricsPort), SKETCHCAST_METRICS_TOKEN: token },
  });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (server) await removeDataDir(server.dataDir);
});

type IceServer = { urls: string[]; username: string; credential: string };

/** One live session's ICE servers, as the page gets them (routerCapabilities on /live). */
async function sessionIceServers(): Promise<IceServer[]> {
  const session = (await (await fetch(`${server.url}/api/live/session`)).json()) as { token: string };
  const socket = io(`${server.url}/live`, {
    auth: { token: session.token },
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
  });
  try {
    const reply = (await socket.timeout(10_000).emitWithAck("routerCapabilities", {})) as {
      ok: boolean;
      data: { iceServers: IceServer[] };
    };
    expect(reply.ok).toBe(true);
    return reply.data.iceServers;
  } finally {
    socket.close();
  }
}

test("each live session gets its own TURN credential that verifies with the secret and expires within the TTL", async () => {
  const before = Math.floor(Date.now() / 1000);
  const [first, second] = [await sessionIceServers(), await sessionIceServers()];
  const after = Math.floor(Date.now() / 1000);
  for (const [ice] of [first, second]) {
    expect(ice?.urls).toEqual(["turn:turn.example:3478"]);
    const { username, credential } = ice as IceServer;
    expect(credential).toBe(createHmac("sha1", secret).update(username).digest("base64"));
    const expiry = Number(username.split(":")[0]);
    expect(expiry).toBeGreaterThanOrEqual(before + ttlS);
    expect(expiry).toBeLessThanOrEqual(after + ttlS);
  }
  expect(first[0]?.username).not.toBe(second[0]?.username);
});

test("with --metrics-port and --metrics-token, /metrics is only on its own port and needs the token", async () => {
  expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
  const url = `http://127.0.0.1:${metricsPort}/metrics`;
  const anonymous = await fetch(url);
  expect(anonymous.status).toBe(401);
  expect(((await anonymous.json()) as { error: string }).error).toMatch(/bearer token/);
  expect((await fetch(url, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
  const scraped = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  expect(scraped.status).toBe(200);
  expect(await scraped.text()).toContain("process_cpu_seconds_total");
  expect((await fetch(`http://127.0.0.1:${metricsPort}/other`)).status).toBe(404);
});
