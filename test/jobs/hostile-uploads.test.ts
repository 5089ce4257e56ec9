// Uploads (and CLI inputs) that name other files: playlists, manifests, concat lists, image
// sequences. They are refused with a readable reason, no job is made, and the files they point
// at are never read (their access time stays where the test set it).
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probe } from "../../server/ffmpeg/probe.js";
import { cliLines, sketchcast } from "../helpers/cli.js";
import { ADMIN_TOKEN, bearer, getJson, uploadFile } from "../helpers/jobs.js";
import { makeClip, makeStill } from "../helpers/media.js";
import { type RunningServer, removeDataDir, startServer } from "../helpers/server.js";

let dir: string;
/** Local media a hostile upload points at. */
let secretTs: string;
let secretMp4: string;

const longAgo = new Date(Date.now() - 3 * 86_400_000);

/** Sets the file's access time days back: any read from here on moves it (relatime). */
async function markUnread(path: string): Promise<void> {
  await utimes(path, longAgo, new Date());
}

/** The file was not read since markUnread, and this file system does record reads. */
async function expectUnread(path: string): Promise<void> {
  const seconds = async () => Math.floor((await stat(path)).atimeMs / 1000);
  expect(await seconds()).toBe(Math.floor(longAgo.getTime() / 1000));
  await readFile(path);
  expect(await seconds()).toBeGreaterThan(Math.floor(longAgo.getTime() / 1000));
}

const hls = (target: string) => `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:2,\n${target}\n#EXT-X-ENDLIST\n`;

const dash = (target: string) => `<?xml version="1.0" encoding="utf-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-on-demand:2011"
     type="static" mediaPresentationDuration="PT1S" minBufferTime="PT1S">
 <Period><AdaptationSet mimeType="video/mp4">
  <Representation id="1" bandwidth="100000" width="160" height="90" codecs="avc1.64000d">
   <BaseURL>file://${target}</BaseURL>
  </Representation>
 </AdaptationSet></Period>
</MPD>
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sketchcast-hostile-"));
  secretTs = join(dir, "secret.ts");
  secretMp4 = join(dir, "secret.mp4");
  await makeClip(secretTs, { seconds: 1, width: 160, height: 90, audio: false });
  await makeClip(secretMp4, { seconds: 1, width: 160, height: 90, audio: false });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("hostile uploads over HTTP", () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer({ args: ["--admin-token", ADMIN_TOKEN] });
  });
  afterAll(async () => {
    await server?.stop();
    await removeDataDir(server?.dataDir ?? "");
  });

  it.each([
    ["an HLS playlist", "list.m3u8", () => hls(secretTs), () => secretTs, "hls"],
    ["an HLS playlist named .mp4", "clip.mp4", () => hls(secretTs), () => secretTs, "hls"],
    ["a DASH manifest", "clip.mpd", () => dash(secretMp4), () => secretMp4, "dash"],
    ["a DASH manifest named .webm", "clip.webm", () => dash(secretMp4), () => secretMp4, "dash"],
  ])("refuses %s (415) without reading its target", async (_what, name, content, target, demuxer) => {
    const path = join(dir, name);
    await writeFile(path, content());
    await markUnread(target());
    const { status, body } = await uploadFile(server.url, path);
    expect(status).toBe(415);
    expect(body).toEqual({
      error: `not an accepted video or image format: ${name} is ${demuxer} (playlists, concat lists, manifests and image sequences are refused)`,
    });
    await expectUnread(target());
    const all = await getJson<{ jobs: unknown[] }>(`${server.url}/api/jobs`, bearer(ADMIN_TOKEN));
    expect(all.body.jobs).toEqual([]);
    expect(await readdir(join(server.dataDir, "jobs"))).toEqual([]);
  });

  it("still takes the accepted containers and pictures, also a .jpg", async () => {
    const jpg = join(dir, "photo.jpg");
    await makeStill(jpg, 64, 36);
    for (const path of [jpg, secretTs, secretMp4]) {
      const { status, body } = await uploadFile(server.url, path);
      expect(status, JSON.stringify(body)).toBe(201);
      await fetch(`${server.url}/api/jobs/${body.id}`, bearer(body.key, { method: "DELETE" }));
    }
  });
});

describe("hostile inputs to sketchcast convert", () => {
  it("refuses a playlist and a concat list and reads neither target", async () => {
    const playlist = join(dir, "cli.m3u8");
    const concat = join(dir, "cli.ffconcat");
    await writeFile(playlist, hls(secretTs));
    // A relative, "safe" name: the concat demuxer would open it next to the list.
    await writeFile(concat, "ffconcat version 1.0\nfile 'secret.mp4'\n");
    for (const [input, target, demuxer] of [
      [playlist, secretTs, "hls"],
      [concat, secretMp4, "concat"],
    ] as const) {
      await markUnread(target);
      const out = join(dir, "cli-out.mp4");
      const r = await sketchcast("convert", input, out);
      expect(r.code).not.toBe(0);
      expect(cliLines(r)).toEqual([
        expect.stringContaining(
          `not an accepted video or image format: ${input.split("/").at(-1)} is ${demuxer}`,
        ),
      ]);
      expect(existsSync(out)).toBe(false);
      await expectUnread(target);
    }
  });

  it("takes an image2 pattern name literally: no sequence of other files is read", async () => {
    for (const n of [1, 2, 3]) await makeStill(join(dir, `img00${n}.png`), 32, 18);
    // ffmpeg itself would write a pattern name as a sequence: make the picture, then rename it.
    await makeStill(join(dir, "literal.png"), 64, 36);
    await rename(join(dir, "literal.png"), join(dir, "img%03d.png"));
    await markUnread(join(dir, "img001.png"));
    const out = join(dir, "seq.png");
    const r = await sketchcast("convert", join(dir, "img%03d.png"), out);
    expect(r.code, r.stderr).toBe(0);
    expect(await probe(out)).toMatchObject({ still: true, video: { width: 64, height: 36 } });
    await expectUnread(join(dir, "img001.png"));
  });
});
