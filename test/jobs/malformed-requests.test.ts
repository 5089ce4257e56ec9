// Requests a careless or hostile client sends: impossible ranges, broken multipart bodies, numbers
// that only look like numbers, the file under another field name. Each gets a 4xx with a readable
// reason (never a 500) and the server keeps serving.

import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getJson, uploadFile, watchJob } from "../helpers/jobs.js";
import { makeStill } from "../helpers/media.js";
import { type RunningServer, removeDataDir, startServer } from "../helpers/server.js";

let server: RunningServer;
let dir: string;
let still: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sketchcast-malformed-"));
  still = join(dir, "still.png");
  await makeStill(still, 64, 36);
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
  await removeDataDir(server?.dataDir ?? "");
  await rm(dir, { recursive: true, force: true });
});

/**
 * A raw POST /api/jobs over TCP: `body` as given; with a larger `declaredLength` the client
 * half-closes after `body`, never sending the rest it announced.
 */
function rawPost(contentType: string, body: Buffer, declaredLength = body.length) {
  return new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    const { hostname, port, host } = new URL(server.url);
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `POST /api/jobs HTTP/1.1\r\nHost: ${host}\r\nContent-Type: ${contentType}\r\n` +
          `Content-Length: ${declaredLength}\r\nConnection: close\r\n\r\n`,
      );
      socket.write(body);
      if (declaredLength > body.length) socket.end();
    });
    let text = "";
    socket.setEncoding("latin1").on("data", (t: string) => {
      text += t;
    });
    socket.on("error", reject);
    socket.on("close", () =>
      resolve({
        status: Number(text.split(" ")[1]),
        body: JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)) as unknown,
      }),
    );
  });
}

/** Waits for a condition the server reaches on its own after answering. */
async function until(test: () => Promise<boolean>): Promise<void> {
  while (!(await test())) await new Promise((r) => setTimeout(r, 50));
}

describe("malformed requests", () => {
  it("answers a range past the end of a result with 416", async () => {
    const { body } = await uploadFile(server.url, still);
    const watch = watchJob(server.url, body.id, body.key);
    const { event, job } = await watch.ended;
    watch.close();
    expect(event).toBe("done");
    const res = await fetch(`${server.url}${job.result?.url}`, { headers: { range: "bytes=999999999-" } });
    expect(res.status).toBe(416);
    expect(res.headers.get("content-range")).toBe(`bytes */${job.result?.size}`);
    expect(await res.json()).toEqual({
      error: `range not satisfiable: the file has ${job.result?.size} bytes`,
    });
    const part = await fetch(`${server.url}${job.result?.url}`, { headers: { range: "bytes=0-3" } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  });

  it("answers a multipart body without a boundary, or cut short, with 400", async () => {
    const noBoundary = await rawPost("multipart/form-data", Buffer.from("--x\r\n\r\nhello\r\n--x--\r\n"));
    expect(noBoundary.status).toBe(400);
    expect(noBoundary.body).toEqual({ error: expect.stringMatching(/^not a readable multipart form: /) });

    const png = await readFile(still);
    const head = Buffer.from(
      '--b\r\nContent-Disposition: form-data; name="file"; filename="still.png"\r\n' +
        "Content-Type: image/png\r\n\r\n",
    );
    const whole = Buffer.concat([head, png, Buffer.from("\r\n--b--\r\n")]);
    // The body ends inside the file part (the HTTP request itself is complete).
    const cut = await rawPost("multipart/form-data; boundary=b", whole.subarray(0, head.length + 100));
    expect(cut).toEqual({
      status: 400,
      body: { error: "not a readable multipart form: Unexpected end of multipart data" },
    });

    // The client half-closes before sending the length it announced: Node answers 400 itself, and
    // the upload folder reserved for it goes away instead of waiting forever.
    const before = await readdir(join(server.dataDir, "jobs"));
    const halfClosed = await rawPost("multipart/form-data; boundary=b", whole.subarray(0, 200), whole.length);
    expect(halfClosed.status).toBe(400);
    await until(async () => (await readdir(join(server.dataDir, "jobs"))).length === before.length);
  });

  it.each([
    ["", 'invalid detail: expected a decimal number, got ""'],
    ["0x1", 'invalid detail: expected a decimal number, got "0x1"'],
    ["1e0", 'invalid detail: expected a decimal number, got "1e0"'],
    [" 1", 'invalid detail: expected a decimal number, got " 1"'],
  ])("refuses detail=%j (400)", async (detail, error) => {
    expect(await uploadFile(server.url, still, { detail })).toEqual({ status: 400, body: { error } });
  });

  it("takes a decimal detail", async () => {
    const { status, body } = await uploadFile(server.url, still, { detail: ".25" });
    expect(status, JSON.stringify(body)).toBe(201);
  });

  it("takes the file only from the field 'file'", async () => {
    const form = new FormData();
    form.append("upload", new Blob([await readFile(still)]), "still.png");
    expect(await getJson(`${server.url}/api/jobs`, { method: "POST", body: form })).toEqual({
      status: 400,
      body: { error: "unexpected file in the form field 'upload' (send it as the form field 'file')" },
    });
  });

  it("is still healthy and logged no request failure", async () => {
    expect((await fetch(`${server.url}/healthz`)).ok).toBe(true);
    expect(server.output()).not.toMatch(/request failed/);
  });
});
