// Glass-to-glass latency: a generated 640x360@30 video goes through the live loop (or, with
// `?transport=whip&token=<publish token>`, in over WHIP and back over WHEP: whip-session.ts) and the
// frame numbers coded into its top band are read back from the returned video (frame-code.ts).
// Results land in #result and, for scripts (bench/live.bench.ts, bench/whip.bench.ts), in
// window.latencyResult.
import { LiveSession } from "../preview/live-session.js";
import { bandHeight, codeBits, drawCode, readCode } from "./frame-code.js";
import { WhipSession } from "./whip-session.js";

const width = 640;
const height = 360;
const fps = 30;
const warmupMs = 3000;

export interface LatencyResult {
  mode: string;
  /** "live" (the /live socket and mediasoup-client) or "whip" (WHIP publish, WHEP playback). */
  transport: string;
  /** The codec sent up, from the upload's statistics (e.g. "video/VP8"): the browser's default unless `?codec=h264`; WHIP sends H264. */
  codec: string;
  /** Frames decoded per second by the receiving side over the measured window. */
  fps: number;
  /** One glass-to-glass delay (ms) per returned frame whose code was read. */
  latencies: number[];
  /** Returned frames whose code could not be read. */
  unreadable: number;
}

const params = new URLSearchParams(location.search);
const mode = params.get("mode") === "passthrough" ? "passthrough" : "sketch";
const seconds = Number(params.get("seconds") ?? 20);
const transport = params.get("transport") === "whip" ? "whip" : "live";
const codec = params.get("codec") === "h264" ? "h264" : undefined;
const source = document.getElementById("source") as HTMLCanvasElement;
const returned = document.getElementById("returned") as HTMLVideoElement;
const result = document.getElementById("result") as HTMLParagraphElement;

/** Something for the sketch to draw: moving coloured shapes below the code band. */
function drawScene(g: CanvasRenderingContext2D, t: number): void {
  g.fillStyle = "#d8e4f0";
  g.fillRect(0, 0, width, height);
  for (let i = 0; i < 6; i++) {
    g.fillStyle = `hsl(${i * 60} 70% 45%)`;
    const x = ((t / 8 + i * 110) % (width + 100)) - 50;
    g.beginPath();
    g.arc(x, 120 + 40 * i, 30 + 6 * i, 0, 2 * Math.PI);
    g.fill();
  }
}

function startSource(sent: Map<number, number>): MediaStreamTrack {
  const g = source.getContext("2d") as CanvasRenderingContext2D;
  let n = 0;
  setInterval(() => {
    const code = n++ % 2 ** codeBits;
    drawScene(g, performance.now());
    drawCode(g, code, width, height);
    sent.set(code, performance.now());
  }, 1000 / fps);
  return source.captureStream(fps).getVideoTracks()[0] as MediaStreamTrack;
}

/** Reads the code of every new returned frame; polls every 4 ms (cheap: only the band is read). */
function startReader(sent: Map<number, number>, onFrame: (latency: number | undefined) => void): void {
  const band = bandHeight(height);
  const g = Object.assign(document.createElement("canvas"), { width, height: band }).getContext("2d", {
    willReadFrequently: true,
  }) as CanvasRenderingContext2D;
  let lastFrames = 0;
  let lastCode: number | undefined;
  const poll = () => {
    const frames = returned.getVideoPlaybackQuality().totalVideoFrames;
    if (frames !== lastFrames && returned.videoWidth > 0) {
      lastFrames = frames;
      const vh = bandHeight(returned.videoHeight);
      g.drawImage(returned, 0, 0, returned.videoWidth, vh, 0, 0, width, band);
      const code = readCode(g.getImageData(0, 0, width, band).data, width, band);
      if (code === undefined) onFrame(undefined);
      else if (code !== lastCode && sent.has(code)) onFrame(performance.now() - (sent.get(code) as number));
      lastCode = code;
    }
    setTimeout(poll, 4);
  };
  poll();
}

/** What main() needs of the way through the server. */
interface Session {
  rtcStats(): Promise<{ up: RTCStatsReport; down: RTCStatsReport } | undefined>;
  close(): void;
}

/** Sends `track` the way `?transport=` says; resolves with the session and the returned track. */
async function open(track: MediaStreamTrack): Promise<{ session: Session; returned: MediaStreamTrack }> {
  if (transport === "whip") {
    // A WHIP publisher is always sketched (no passthrough), and publishing needs the server's token.
    if (mode !== "sketch") throw new Error("transport=whip measures the sketch only (no mode=passthrough)");
    const token = params.get("token");
    if (!token) throw new Error("transport=whip needs &token=<the server's WHIP token>");
    const session = new WhipSession(
      params.get("room") ?? `latency-${crypto.randomUUID().slice(0, 8)}`,
      token,
    );
    try {
      return { session, returned: await session.start(track) };
    } catch (err) {
      session.close();
      throw err;
    }
  }
  const session = await LiveSession.connect();
  return { session, returned: await session.start(track, { mode, probe: true, codec }) };
}

/** The video codec the upload uses (its outbound-rtp's codec), "unknown" before it has one. */
async function sentCodec(session: Session): Promise<string> {
  const up = (await session.rtcStats())?.up;
  for (const s of up?.values() ?? [])
    if (s.type === "outbound-rtp" && s.kind === "video") return up?.get(s.codecId)?.mimeType ?? "unknown";
  return "unknown";
}

async function framesDecoded(session: Session): Promise<number> {
  const stats = await session.rtcStats();
  for (const s of stats?.down.values() ?? []) if (s.type === "inbound-rtp") return s.framesDecoded ?? 0;
  return 0;
}

async function main(): Promise<LatencyResult> {
  const sent = new Map<number, number>();
  const { session, returned: track } = await open(startSource(sent));
  returned.srcObject = new MediaStream([track]);
  const latencies: number[] = [];
  let unreadable = 0;
  let measuring = false;
  startReader(sent, (latency) => {
    if (!measuring) return;
    if (latency === undefined) unreadable++;
    else latencies.push(latency);
  });
  await new Promise((r) => setTimeout(r, warmupMs));
  const before = await framesDecoded(session);
  const started = performance.now();
  measuring = true;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  measuring = false;
  const decoded = (await framesDecoded(session)) - before;
  const upCodec = await sentCodec(session);
  session.close();
  return {
    mode,
    transport,
    codec: upCodec,
    fps: (decoded * 1000) / (performance.now() - started),
    latencies,
    unreadable,
  };
}

main().then(
  (r) => {
    const sorted = [...r.latencies].sort((a, b) => a - b);
    const at = (p: number) =>
      Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN);
    result.textContent = `${r.mode} (${r.transport}, ${r.codec}): ${r.fps.toFixed(1)} fps received · glass-to-glass p50 ${at(0.5)} ms · p90 ${at(0.9)} ms (${sorted.length} frames)`;
    (window as unknown as { latencyResult: LatencyResult }).latencyResult = r;
  },
  (err: unknown) => {
    result.textContent = `failed: ${err instanceof Error ? err.message : String(err)}`;
    (window as unknown as { latencyError: string }).latencyError = result.textContent;
  },
);
