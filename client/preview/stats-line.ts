// The on-screen stats line: frames per second received and an estimate of glass-to-glass latency.
//
// The estimate adds up the parts WebRTC and the server report, each averaged over the last second:
// camera frame encode time (outbound-rtp), half the round trip up and half down (candidate pair),
// the server's per-frame processing time, the receive jitter buffer delay and decode time
// (inbound-rtp), plus two frame intervals for what no statistic covers: capture, ffmpeg's decode
// and encode queues, and display. An estimate: latency.html and bench/live.bench.ts measure it.
import type { LiveSession } from "./live-session.js";

interface Totals {
  at: number;
  framesDecoded: number;
  decodeTime: number;
  jitterDelay: number;
  jitterEmitted: number;
  framesEncoded: number;
  encodeTime: number;
}

export interface StatsSample {
  fps: number;
  latencyMs: number;
  width: number;
  height: number;
  /** What the camera sends now (the server may draw it smaller: live.sketchSize). */
  sentWidth: number;
  sentHeight: number;
  framesDecoded: number;
}

function find(report: RTCStatsReport, type: string): Record<string, number> | undefined {
  for (const s of report.values()) if (s.type === type) return s as Record<string, number>;
  return undefined;
}

function roundTrip(report: RTCStatsReport): number {
  for (const s of report.values()) {
    if (s.type === "candidate-pair" && s.nominated && typeof s.currentRoundTripTime === "number") {
      return s.currentRoundTripTime * 1000;
    }
  }
  return 0;
}

export class StatsLine {
  private last: Totals | undefined;

  constructor(private readonly session: LiveSession) {}

  /** One sample; call about once a second. */
  async sample(): Promise<StatsSample | undefined> {
    const [rtc, server] = await Promise.all([this.session.rtcStats(), this.session.pipelineStats()]);
    const down = rtc && find(rtc.down, "inbound-rtp");
    const up = rtc && find(rtc.up, "outbound-rtp");
    if (!rtc || !down || !up) return undefined;
    const now: Totals = {
      at: performance.now(),
      framesDecoded: down.framesDecoded ?? 0,
      decodeTime: down.totalDecodeTime ?? 0,
      jitterDelay: down.jitterBufferDelay ?? 0,
      jitterEmitted: down.jitterBufferEmittedCount ?? 0,
      framesEncoded: up.framesEncoded ?? 0,
      encodeTime: up.totalEncodeTime ?? 0,
    };
    const prev = this.last;
    this.last = now;
    if (!prev) return undefined;
    const per = (a: number, b: number, n: number) => (n > 0 ? ((a - b) * 1000) / n : 0);
    const decoded = now.framesDecoded - prev.framesDecoded;
    const fps = (decoded * 1000) / (now.at - prev.at);
    const latencyMs =
      (fps > 0 ? 2000 / fps : 0) +
      per(now.encodeTime, prev.encodeTime, now.framesEncoded - prev.framesEncoded) +
      roundTrip(rtc.up) / 2 +
      (server?.processMs ?? 0) +
      roundTrip(rtc.down) / 2 +
      per(now.jitterDelay, prev.jitterDelay, now.jitterEmitted - prev.jitterEmitted) +
      per(now.decodeTime, prev.decodeTime, decoded);
    return {
      fps,
      latencyMs,
      width: down.frameWidth ?? 0,
      height: down.frameHeight ?? 0,
      sentWidth: up.frameWidth ?? 0,
      sentHeight: up.frameHeight ?? 0,
      framesDecoded: now.framesDecoded,
    };
  }
}
