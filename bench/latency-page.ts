// One run of client/latency.html in Chromium (the live, whip and isolation benches): open it with a
// query, wait for its result, and the table cells every latency bench reports.
import type { LatencyResult } from "../client/latency/main.js";
import type { Browser } from "../test/helpers/chromium.js";
import { percentile } from "./section.js";

/** The page's result after `seconds` of measuring (plus its warm-up); throws the page's error. */
export async function runLatencyPage(
  browser: Browser,
  serverUrl: string,
  query: string,
  seconds: number,
): Promise<LatencyResult> {
  const page = await browser.context.newPage();
  try {
    await page.goto(`${serverUrl}/latency.html?${query}&seconds=${seconds}`);
    // Functions, not strings: the server's CSP forbids eval, which a string predicate needs.
    type Results = { latencyResult?: LatencyResult; latencyError?: string };
    await page.waitForFunction(
      () => (window as Results).latencyResult || (window as Results).latencyError,
      null,
      {
        timeout: (seconds + 60) * 1000,
      },
    );
    const error = await page.evaluate(() => (window as Results).latencyError);
    if (error) throw new Error(`latency page (${query}): ${error}`);
    return (await page.evaluate(() => (window as Results).latencyResult)) as LatencyResult;
  } finally {
    await page.close();
  }
}

/** fps received, p50/p90 glass-to-glass, frames read and unreadable: the columns they all show. */
export function latencyCells(r: LatencyResult): Record<string, number | string> {
  const ok = r.latencies.length > 0;
  return {
    "fps received": Number(r.fps.toFixed(1)),
    "p50 ms": ok ? Math.round(percentile(r.latencies, 50)) : "n/a",
    "p90 ms": ok ? Math.round(percentile(r.latencies, 90)) : "n/a",
    "frames read": r.latencies.length,
    unreadable: r.unreadable,
  };
}
