// Browser pages of other sites may not upload, delete or open sockets (Origin); with --public-url a
// request naming another Host (DNS rebinding) is refused; every response carries the security
// headers. Non-browser clients (no Origin) keep working.
import { readFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { io } from "socket.io-client";
import { afterAll, beforeAll, expect, test } from "vitest";
import { bearer, uploadFile } from "../helpers/jobs.js";
import { makeStill } from "../helpers/media.js";
import { type RunningServer, removeDataDir, startServer } from "../helpers/server.js";

const foreign = "https://evil.example";
const allowed = "https://app.example";
const still = join(tmpdir(), `sketchcast-access-${process.pid}.png`);
let server: RunningServer;

beforeAll(async () => {
  await makeStill(still, 64, 48);
  server = await startServer({
    args: ["--allowed-origins", `${allowed},https://other.example`, "--public-url", "https://sketch.example"],
  });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (server) await removeDataDir(server.dataDir);
});

const ownOrigin = () => server.url;

async function upload(origin?: string): Promise<{ status: number; body: { id?: string; error?: string } }> {
  const form = new FormData();
  form.append("file", new Blob([await readFile(still)]), "still.png");
  const res = await fetch(`${server.url}/api/jobs`, {
    method: "POST",
    body: form,
    headers: origin ? { origin } : {},
  });
  return { status: res.status, body: (await res.json()) as { id?: string; error?: string } };
}

/** Connects to a namespace over WebSocket with this Origin; resolves "connected" or the error. */
async function socketWith(namespace: string, origin: string): Promise<string> {
  const auth =
    namespace === "/live"
      ? { token: ((await (await fetch(`${server.url}/api/live/session`)).json()) as { token: string }).token }
      : {};
  const socket = io(`${server.url}${namespace}`, {
    auth,
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    extraHeaders: { origin },
  });
  return new Promise<string>((resolve) => {
    socket.once("connect", () => resolve("connected"));
    socket.once("connect_error", (err) => resolve(`refused: ${err.message}`));
  }).finally(() => socket.close());
}

/** A raw GET with any Host header (fetch does not let a caller set Host). */
function getWithHost(path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${server.url}${path}`, { headers: { host } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        body += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once("error", reject);
    req.end();
  });
}

test("an upload from a foreign page is refused with 403; own origin, allowed origins and no Origin work", async () => {
  const refused = await upload(foreign);
  expect(refused.status).toBe(403);
  expect(refused.body.error).toMatch(/cross-origin request refused: origin "https:\/\/evil\.example"/);
  for (const origin of [undefined, ownOrigin(), allowed, "https://sketch.example"]) {
    const ok = await upload(origin);
    expect(ok.status, `origin ${origin}: ${ok.body.error}`).toBe(201);
  }
  const { body } = await uploadFile(server.url, still);
  const del = await fetch(`${server.url}/api/jobs/${body.id}`, {
    method: "DELETE",
    headers: { origin: foreign },
  });
  expect(del.status).toBe(403);
  expect(((await del.json()) as { error: string }).error).toMatch(/cross-origin/);
  const read = await fetch(
    `${server.url}/api/jobs/${body.id}`,
    bearer(body.key, { headers: { origin: foreign } }),
  );
  expect(read.status, "reading is not state-changing").toBe(200);
});

test("a socket.io connection from a foreign page is refused on /jobs and /live; own origin connects", async () => {
  for (const namespace of ["/jobs", "/live"]) {
    expect(await socketWith(namespace, foreign)).toMatch(/^refused/);
    expect(await socketWith(namespace, ownOrigin())).toBe("connected");
    expect(await socketWith(namespace, allowed)).toBe("connected");
  }
  // The polling transport's handshake too, with the reason in the body.
  const polling = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`, {
    headers: { origin: foreign },
  });
  expect(polling.status).toBe(403);
  expect(await polling.text()).toMatch(/cross-origin request refused/);
});

test("with --public-url, another Host is refused with 421 (DNS rebinding); its own and loopback pass", async () => {
  const rebound = await getWithHost("/api/jobs", "attacker.example:8080");
  expect(rebound.status).toBe(421);
  expect(JSON.parse(rebound.body).error).toMatch(/answers as sketch\.example/);
  const socket = await getWithHost("/socket.io/?EIO=4&transport=polling", "attacker.example");
  expect(socket.status).toBe(403);
  expect(socket.body).toMatch(/answers as sketch\.example/);
  expect((await getWithHost("/api/jobs", "sketch.example")).status).toBe(200);
  expect((await getWithHost("/healthz", "localhost:8080")).status).toBe(200);
});

test("pages and API responses carry the security headers", async () => {
  for (const path of ["/", "/preview.html", "/api/jobs", "/healthz", "/api/jobs/nope"]) {
    const res = await fetch(`${server.url}${path}`);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp, path).toContain("default-src 'self'");
    expect(csp, path).toContain("frame-ancestors 'none'");
    expect(csp, path).toContain(`connect-src 'self' ws://${new URL(server.url).host}`);
    expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
    expect(res.headers.get("x-frame-options"), path).toBe("DENY");
    expect(res.headers.get("referrer-policy"), path).toBe("no-referrer");
  }
});
