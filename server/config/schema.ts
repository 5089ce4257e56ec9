// The one configuration schema. Every leaf is settable as a CLI flag and an environment variable,
// named from its path: `mediasoup.rtcMinPort` is `--mediasoup-rtc-min-port` and
// `SKETCHCAST_MEDIASOUP_RTC_MIN_PORT` (see load.ts). Add a feature's settings as a new key here;
// leaves take strings (flags and env are strings) and coerce them, with an `error` that says what
// is expected so bad values read `invalid --port "abc": expected an integer 1-65535`.
import { availableParallelism } from "node:os";
import { z } from "zod";
import { executionProviders } from "../engine/execution-provider.js";
import { defaultDataDir, defaultMediasoupWorkerBin } from "../paths.js";

export function integer(min: number, max: number, fallback: number) {
  const error = `expected an integer ${min}-${max}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error }).default(fallback);
}

const units: Record<string, number> = {
  "": 1,
  k: 1e3,
  m: 1e6,
  g: 1e9,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
};

/** Byte sizes: a plain number of bytes or a number with a unit, e.g. `500MB`, `2GiB`. */
export function byteSize(fallback: number) {
  const error = "expected a size like 2GiB, 500MB or a number of bytes";
  return z
    .union([z.number(), z.string()])
    .transform((v, ctx) => {
      const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg](?:i?b)?)?\s*$/i.exec(String(v));
      const unit = (m?.[2] ?? "").toLowerCase().replace(/(?<!i)b$/, "");
      const size = m && units[unit] !== undefined ? Math.round(Number(m[1]) * (units[unit] as number)) : 0;
      if (size < 1) ctx.addIssue({ code: "custom", message: error });
      return size;
    })
    .default(fallback);
}

const list = z.preprocess(
  (v) =>
    typeof v === "string"
      ? v
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  z.array(z.string()),
);

/** An integer min-max, or "auto" (the code decides); default "auto". */
function integerOrAuto(min: number, max: number) {
  const error = `expected auto or an integer ${min}-${max}`;
  const n = z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
  return z.union([z.literal("auto"), n], { error }).default("auto");
}

/** "auto" (the code decides) or a frame size WIDTHxHEIGHT (each 16-4096), as { width, height }. */
function frameSizeOrAuto() {
  const error = "expected auto or a size WIDTHxHEIGHT, e.g. 640x360";
  return z
    .string({ error })
    .transform((v, ctx) => {
      if (v === "auto") return "auto" as const;
      const m = /^(\d+)x(\d+)$/.exec(v);
      const [width, height] = [Number(m?.[1]), Number(m?.[2])];
      if (!m || ![width, height].every((n) => n >= 16 && n <= 4096)) {
        ctx.addIssue({ code: "custom", message: error });
        return z.NEVER;
      }
      return { width, height };
    })
    .default("auto");
}

export const configSchema = z
  .object({
    port: integer(1, 65535, 8080),
    host: z.string().min(1, { error: "expected a host name or IP address" }).default("0.0.0.0"),
    logLevel: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
        error: "expected one of fatal, error, warn, info, debug, trace, silent",
      })
      .default("info"),
    ep: z.enum(executionProviders, { error: "expected one of cpu, webgpu, cuda" }).default("cpu"),
    threads: integer(1, 256, 2),
    /** Engine worker threads, each with its own session of `threads` intra-op threads; streams go to
     *  the least busy. "auto": cpu: one per core (sketch-engine.ts), a GPU: one. */
    engineWorkers: integerOrAuto(1, 64),
    /** Unset: the committed model for the provider in use (SketchEngine.create). */
    model: z.string().min(1, { error: "expected a path to an .onnx file" }).optional(),
    dataDir: z.string().min(1, { error: "expected a directory" }).default(defaultDataDir),
    uploadLimit: byteSize(2 * 2 ** 30),
    jobConcurrency: integer(1, 64, 1),
    // Limits on what uploads may ask of the server (server/jobs/job-limits.ts, capacity.ts),
    // checked before a job is queued. Defaults: up to 1080p60, an hour of video.
    job: z
      .object({
        probeTimeoutS: integer(1, 3600, 15),
        maxPixelRate: integer(1, 2 ** 40, 1920 * 1080 * 60),
        maxDurationS: integer(1, 10 ** 6, 3600),
        maxFrames: integer(1, 10 ** 8, 3600 * 60),
        maxQueued: integer(1, 10_000, 16),
        diskLimit: byteSize(20 * 2 ** 30),
      })
      .prefault({}),
    // Batching across streams (server/engine/batch.ts). maxSize 1 = off; "auto" resolves by the
    // execution provider in use (after any fallback): 1 on cpu (measured: no gain there), 4 on
    // webgpu/cuda. maxWaitMs: how long a frame may wait for other streams' frames to join its run.
    batch: z
      .object({
        maxSize: integerOrAuto(1, 64),
        maxWaitMs: integer(0, 1000, 0),
      })
      .prefault({}),
    /** Participants per call room (server/media/rooms.ts). */
    roomMaxPeers: integer(1, 64, 6),
    // What strangers can make the live side do (server/live/live-admission.ts): a pipeline is one
    // sketched camera (a decoder, the model, an encoder). A 2-core box sketches 4 call tiles at
    // 30 fps and 6 at 26 (npm run bench -- call); frames beyond what it draws are dropped, so more
    // pipelines lower everyone's frame rate, never add latency.
    live: z
      .object({
        maxPipelines: integer(1, 1024, 6),
        maxConnections: integer(1, 10_000, 16),
        connectionsPerAddress: integer(1, 10_000, 4),
        /** Live session tokens one client address may take per minute (then 429). */
        tokensPerMinute: integer(1, 100_000, 20),
        /** A pipeline whose camera sends nothing this long (and is not paused) ends. */
        idleTimeoutS: integer(1, 3600, 10),
        /** The largest a live camera is drawn at (server/live/live-sketch-size.ts); "auto": by provider. */
        sketchSize: frameSizeOrAuto(),
      })
      .prefault({}),
    // The WebSocket frame API (server/frames/): open sockets at once, and the largest message a
    // client may send (a header plus one picture; 32 MiB holds a raw 4K RGB frame). A bigger
    // message closes that socket with 1009.
    frames: z
      .object({
        maxConnections: integer(1, 10_000, 8),
        /** Frame sockets one client address may hold at once (then 503). */
        connectionsPerAddress: integer(1, 10_000, 4),
        maxMessageBytes: byteSize(32 * 2 ** 20),
      })
      .prefault({}),
    mediasoup: z
      .object({
        workers: integer(1, 256, availableParallelism()),
        rtcMinPort: integer(1024, 65535, 40000),
        rtcMaxPort: integer(1024, 65535, 49999),
        announcedIp: z.string().min(1, { error: "expected a public IP address or host name" }).optional(),
        workerBin: z.string().min(1, { error: "expected a path" }).default(defaultMediasoupWorkerBin),
      })
      .refine((m) => m.rtcMinPort <= m.rtcMaxPort, {
        error: "rtc-min-port must not be above rtc-max-port",
        path: ["rtcMinPort"],
      })
      .prefault({}),
    turn: z
      .object({
        urls: list.default([]),
        username: z.string().optional(),
        credential: z.string().optional(),
        // Set: each live session gets its own short-lived credential (server/live/turn-credentials.ts).
        secret: z.string().min(1, { error: "expected the TURN server's shared secret" }).optional(),
        ttlS: integer(60, 7 * 86400, 3600),
      })
      .prefault({}),
    // Browser pages of other origins allowed to upload and open sockets (server/http/request-guard.ts).
    allowedOrigins: list.default([]),
    /** The URL browsers use; set, requests naming another Host are refused (DNS rebinding). */
    publicUrl: z.url({ error: "expected a URL like https://sketch.example.org" }).optional(),
    /** Bearer token WHIP publishers (OBS) present; unset: one is made at start and logged once. */
    whipToken: z.string().min(8, { error: "expected a token of at least 8 characters" }).optional(),
    /** Set: viewing a room over WHEP or the overlay page needs it (`&token=` or Bearer). */
    viewToken: z.string().min(8, { error: "expected a token of at least 8 characters" }).optional(),
    /** Set: whoever presents it sees and manages every job (server/jobs/access.ts). */
    adminToken: z.string().min(16, { error: "expected a token of at least 16 characters" }).optional(),
    metrics: z
      .object({
        /** Set: /metrics is served on this port only, not on the main one. */
        port: z.coerce
          .number({ error: "expected an integer 1-65535" })
          .int({ error: "expected an integer 1-65535" })
          .min(1, { error: "expected an integer 1-65535" })
          .max(65535, { error: "expected an integer 1-65535" })
          .optional(),
        token: z.string().min(1, { error: "expected a token" }).optional(),
      })
      .prefault({}),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
