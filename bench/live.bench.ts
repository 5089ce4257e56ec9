// `npm run bench -- live`: glass-to-glass latency and received frame rate of the live loop at
// 640x360@30, passthrough (decode → encode, no model) and sketch, measured in Chromium by
// client/latency.html (frame numbers coded into the video's top band, read back from the returned
// video; the server leaves that band unsketched for probe streams). Needs the built client.
import { existsSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { clientDir } from "../server/paths.js";
import { launchChromium } from "../test/helpers/chromium.js";
import { removeDataDir, startServer } from "../test/helpers/server.js";
import { latencyCells, runLatencyPage } from "./latency-page.js";
import type { BenchSection } from "./section.js";

const seconds = Number(process.env.LIVE_BENCH_SECONDS ?? 20);

export default async function liveBench(): Promise<BenchSection> {
  if (!existsSync(join(clientDir, "latency.html")))
    throw new Error("build the client first: npm run build:client");
  const server = await startServer();
  const browser = await launchChromium();
  const rows: BenchSection["rows"] = [];
  try {
    for (const mode of ["passthrough", "sketch"] as const) {
      const r = await runLatencyPage(browser, server.url, `mode=${mode}`, seconds);
      rows.push({ pipeline: mode, ...latencyCells(r) });
    }
  } finally {
    await browser.close();
    await server.stop();
    await removeDataDir(server.dataDir);
  }
  return {
    name: "live loop, 640x360@30, Chromium ↔ server on loopback",
    rows,
    notes: [
      `${seconds} s per pipeline after 3 s warm-up; latency = returned frame shown − frame drawn (page clock)`,
      `machine: ${cpus().length} cores, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")} at the end`,
    ],
  };
}
