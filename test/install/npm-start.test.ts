// The README's way to run the server is `npm start`, and a user or service manager stops it by
// SIGTERM to the pid it holds: npm's. The server, its mediasoup workers and a running conversion's
// ffmpegs must all end. Uses the built server (dist/), as `npm start` does.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uploadFile } from "../helpers/jobs.js";
import { makeClip } from "../helpers/media.js";
import { type ChildProc, descendants } from "../helpers/processes.js";
import { type RunningServer, removeDataDir, startServer, tempDataDir } from "../helpers/server.js";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitFor(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("npm start", () => {
  let server: RunningServer;
  let clipDir: string;
  let tree: ChildProc[] = [];

  beforeAll(async () => {
    clipDir = await tempDataDir();
    server = await startServer({ command: ["npm", "start"] });
  }, 90_000);

  afterAll(async () => {
    // What a failed run left behind (after npm ends they are no longer under its pid).
    for (const p of tree) if (alive(p.pid)) process.kill(p.pid, "SIGKILL");
    await server.kill();
    await removeDataDir(server.dataDir);
    await removeDataDir(clipDir);
  });

  it("ends the server, its mediasoup workers and ffmpegs on SIGTERM to npm's pid", async () => {
    const clip = join(clipDir, "clip.mp4");
    await makeClip(clip, { seconds: 20, width: 320, height: 180, audio: false });
    const upload = await uploadFile(server.url, clip);
    expect(upload.status).toBe(201);
    await waitFor("a running conversion's ffmpeg", async () => {
      tree = await descendants(server.pid);
      return tree.some((p) => p.name === "ffmpeg");
    });
    expect(tree.some((p) => p.name.startsWith("mediasoup-work"))).toBe(true);
    expect(tree.some((p) => p.name === "node")).toBe(true);

    await server.stop();
    await waitFor("every process under npm to end", () => tree.every((p) => !alive(p.pid)));
  }, 120_000);
});
