// `npm run bench -- whip`: glass-to-glass latency and received frame rate of WHIP publish (H264
// packetization mode 1, Constrained Baseline, as OBS sends) → sketch → WHEP playback (what the
// overlay page plays), beside the /live loop on the same server in the same run, at 640x360@30.
// Measured in Chromium by client/latency.html (`?transport=whip`; frame numbers coded into the
// video's top band, which the server leaves unsketched for probe streams: `probe=1` on the WHIP
// URL). Needs the built client.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { clientDir } from "../server/paths.js";
import { launchChromium } from "../test/helpers/chromium.js";
import { removeDataDir, startServer } from "../test/helpers/server.js";
import { latencyCells, runLatencyPage } from "./latency-page.js";
import { type BenchSection, percentile } from "./section.js";

const seconds = Number(process.env.WHIP_BENCH_SECONDS ?? process.env.LIVE_BENCH_SECONDS ?? 20);

/** The latency page's query for each row: the live loop's sketch (VP8, the browser's default, and H264) and WHIP → WHEP. */
const runs = [
  { path: "/live passthrough", query: "mode=passthrough" },
  { path: "/live sketch", query: "mode=sketch" },
  { path: "/live sketch", query: "mode=sketch&codec=h264" },
  { path: "WHIP → WHEP sketch", query: "mode=sketch&transport=whip" },
] as const;

export default async function whipBench(): Promise<BenchSection> {
  if (!existsSync(join(clientDir, "latency.html")))
    throw new Error("build the client first: npm run build:client");
  const token = randomBytes(16).toString("hex");
  const server = await startServer({ env: { SKETCHCAST_WHIP_TOKEN: token } });
  const browser = await launchChromium();
  const rows: BenchSection["rows"] = [];
  const p50 = new Map<string, number>();
  try {
    for (const run of runs) {
      const r = await runLatencyPage(browser, server.url, `${run.query}&token=${token}`, seconds);
      const ok = r.latencies.length > 0;
      const codec = r.codec.replace(/^video\//, "");
      if (ok) p50.set(`${run.path} ${codec}`, percentile(r.latencies, 50));
      rows.push({ path: run.path, "codec up": codec, ...latencyCells(r) });
    }
  } finally {
    await browser.close();
    await server.stop();
    await removeDataDir(server.dataDir);
  }
  const whip = p50.get("WHIP → WHEP sketch H264");
  const ratios = ["VP8", "H264"].flatMap((codec) => {
    const live = p50.get(`/live sketch ${codec}`);
    return whip !== undefined && live
      ? [`WHIP → WHEP p50 / /live sketch (${codec}) p50: ${(whip / live).toFixed(2)}x`]
      : [];
  });
  return {
    name: "WHIP → WHEP beside the /live loop, 640x360@30, Chromium ↔ server on loopback",
    rows,
    notes: [
      ...ratios,
      `${seconds} s per row after 3 s warm-up; latency = returned frame shown − frame drawn (page clock)`,
      `machine: ${cpus().length} cores, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")} at the end`,
    ],
  };
}
