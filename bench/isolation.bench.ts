// `npm run bench -- isolation`: does a file conversion slow a live stream down? One live sketch
// stream (client/latency.html in Chromium, 640x360@30) against a real server process, in phases:
// alone, beside a 360p and a 1080p conversion (POST /api/jobs), then an 8K (7680x4320) upload —
// refused (422) by the default job limits — and, on a second server with the pixel-rate limit
// raised, live beside the 8K conversion actually running. Per phase: live fps and its ratio to the
// same server's unloaded phase, glass-to-glass p50/p90, the conversion's fps and the server's RSS
// (VmRSS of its Node processes: the server with its engine worker, plus the job's conversion process
// while it runs; ffmpegs not) before, at most during, and after the job. Needs the built client (npm run build:client).
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { LatencyResult } from "../client/latency/main.js";
import { clientDir } from "../server/paths.js";
import { type Browser as Chromium, launchChromium } from "../test/helpers/chromium.js";
import { bearer, getJson, type JobView, uploadFile } from "../test/helpers/jobs.js";
import { makeClip } from "../test/helpers/media.js";
import { descendants } from "../test/helpers/processes.js";
import { type RunningServer, removeDataDir, startServer } from "../test/helpers/server.js";
import { runLatencyPage } from "./latency-page.js";
import { type BenchSection, percentile } from "./section.js";

const seconds = Number(process.env.ISOLATION_PHASE_SECONDS ?? 12);
const settleMs = 3000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function processRssKb(pid: number): number {
  const status = (() => {
    try {
      return readFileSync(`/proc/${pid}/status`, "utf8");
    } catch {
      return ""; // ended meanwhile
    }
  })();
  return Number(status.match(/^VmRSS:\s+(\d+) kB/m)?.[1] ?? 0);
}

/** The server's Node processes: itself and, with `job`, its conversion process, waited for (it
 *  starts just after the job is marked running). Found once per phase: scanning /proc at every
 *  sample would cost the box CPU the live stream needs. */
async function nodeProcesses(server: RunningServer, job = false): Promise<number[]> {
  for (let tries = 0; ; tries++) {
    // A conversion process starts as chrt, which becomes node with the same pid.
    const jobs = (await descendants(server.pid)).filter((p) => p.name === "node" || p.name === "chrt");
    if (!job || jobs.length > 0 || tries === 50) return [server.pid, ...jobs.map((p) => p.pid)];
    await sleep(100);
  }
}

const rssMb = (pids: number[]) => Math.round(pids.reduce((kb, pid) => kb + processRssKb(pid), 0) / 1024);

function liveWindow(browser: Chromium, server: RunningServer): Promise<LatencyResult> {
  return runLatencyPage(browser, server.url, "mode=sketch", seconds);
}

const jobView = async (server: RunningServer, id: string, key: string | undefined) =>
  (await getJson<JobView>(`${server.url}/api/jobs/${id}`, bearer(key))).body;

/** Live alone (clip undefined) or beside a conversion of `clip`, started and running first. */
async function phase(
  browser: Chromium,
  server: RunningServer,
  label: string,
  clip: string | undefined,
  unloadedFps: number | undefined,
): Promise<Record<string, string | number>> {
  const rssBefore = rssMb(await nodeProcesses(server));
  let id: string | undefined;
  let key: string | undefined;
  if (clip) {
    const up = await uploadFile(server.url, clip);
    if (up.status !== 201) throw new Error(`${label}: upload answered ${up.status} ${up.body.error}`);
    ({ id, key } = up.body);
    while ((await jobView(server, id, key)).state === "queued") await sleep(100);
  }
  const pids = await nodeProcesses(server, clip !== undefined);
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, rssMb(pids));
  }, 250);
  const t0 = performance.now();
  const framesBefore = id ? (await jobView(server, id, key)).progress.frames : 0;
  const live = await liveWindow(browser, server).finally(() => clearInterval(sampler));
  const end = id ? await jobView(server, id, key) : undefined;
  const convFps = end ? (end.progress.frames - framesBefore) / ((performance.now() - t0) / 1000) : 0;
  // Cancelling a running job ends it; deleting the ended (or finished) one removes its files.
  for (let i = 0; id && i < 2; i++)
    await fetch(`${server.url}/api/jobs/${id}`, bearer(key, { method: "DELETE" }));
  await sleep(settleMs);
  const ok = live.latencies.length > 0;
  return {
    phase: label,
    "live fps": +live.fps.toFixed(1),
    "× unloaded": unloadedFps ? +(live.fps / unloadedFps).toFixed(2) : 1,
    "p50 ms": ok ? Math.round(percentile(live.latencies, 50)) : "n/a",
    "p90 ms": ok ? Math.round(percentile(live.latencies, 90)) : "n/a",
    "job fps": id ? +convFps.toFixed(1) : "",
    "job state at end": end?.state ?? "",
    "RSS before MB": rssBefore,
    "RSS peak MB": rssPeak,
    [`RSS +${settleMs / 1000} s after MB`]: rssMb(await nodeProcesses(server)),
  };
}

/** Live alone, then beside each clip, on one server; ratios to its own unloaded phase. */
async function phases(browser: Chromium, server: RunningServer, clips: [string, string][]) {
  const alone = await phase(browser, server, "live alone", undefined, undefined);
  const rows = [alone];
  for (const [label, clip] of clips)
    rows.push(await phase(browser, server, label, clip, alone["live fps"] as number));
  return rows;
}

export default async function isolationBench(): Promise<BenchSection> {
  if (!existsSync(join(clientDir, "latency.html")))
    throw new Error("build the client first: npm run build:client");
  const dir = await mkdtemp(join(tmpdir(), "sketchcast-bench-"));
  const rows: BenchSection["rows"] = [];
  const notes: string[] = [];
  const browser = await launchChromium();
  try {
    const clip360 = join(dir, "360p.mp4");
    const clip1080 = join(dir, "1080p.mp4");
    const clip8k = join(dir, "8k.mp4");
    // Long enough that no conversion ends inside its phase (fps measured over the live window).
    await makeClip(clip360, { seconds: 40, audio: false });
    await makeClip(clip1080, { seconds: 10, width: 1920, height: 1080, audio: false });
    await makeClip(clip8k, { seconds: 2, width: 7680, height: 4320, fps: 10, audio: false });

    const server = await startServer();
    try {
      rows.push(
        ...(await phases(browser, server, [
          ["beside 360p job", clip360],
          ["beside 1080p job", clip1080],
        ])),
      );
      const t = performance.now();
      const up = await uploadFile(server.url, clip8k);
      notes.push(
        `8K upload on the default limits: ${up.status} in ${Math.round(performance.now() - t)} ms (upload + probe): ${up.body.error ?? up.body.state}`,
      );
    } finally {
      await server.stop();
      await removeDataDir(server.dataDir);
    }

    const raised = await startServer({ env: { SKETCHCAST_JOB_MAX_PIXEL_RATE: String(7680 * 4320 * 30) } });
    try {
      const [alone, beside] = await phases(browser, raised, [["beside 8K job (limits raised)", clip8k]]);
      if (alone) rows.push({ ...alone, phase: "live alone (2nd server, limits raised)" });
      if (beside) rows.push(beside);
    } finally {
      await raised.stop();
      await removeDataDir(raised.dataDir);
    }
  } finally {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  }
  return {
    name: "live beside file conversions: one 640x360@30 sketch stream, Chromium ↔ server on loopback",
    rows,
    notes: [
      ...notes,
      `each phase: the job uploaded and running first, then ${seconds} s of live measured after latency.html's 3 s warm-up; job fps = its frames over that window; then the job is cancelled and RSS read ${settleMs / 1000} s later`,
      "× unloaded = live fps / the same server's 'live alone' fps (acceptance: ≥ 0.9); latency is glass to glass (page clock), not inter-frame gap",
      `${availableParallelism()} cores shared with other work; load average at the end ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}`,
    ],
  };
}
