// The `/live` socket.io protocol: every request is `emit(name, payload, ack)` and every ack is
// `{ ok: true, data }` or `{ ok: false, error, code }`. Payloads are validated here before anything
// touches mediasoup; mediasoup's own objects (DTLS/RTP parameters) are checked for shape and size
// and then left to mediasoup, which rejects what it cannot use.
import type { types } from "mediasoup";
import { z } from "zod";
import { styleNames } from "../engine/controls.js";
import type { PipelineEndReason, PipelineStats } from "./sketch-pipeline.js";

export type { PipelineEndReason };

const id = z.string().min(1).max(100);
const text = z.string().max(256);
const record = z.record(z.string().max(64), z.unknown());

const dtlsParameters = z.object({
  role: z.enum(["auto", "client", "server"]).optional(),
  fingerprints: z
    .array(z.object({ algorithm: text, value: text }))
    .min(1)
    .max(8),
});

const rtpParameters = z.object({
  mid: text.optional(),
  codecs: z
    .array(
      z.looseObject({
        mimeType: text,
        payloadType: z.number().int().min(0).max(127),
        clockRate: z.number().int().positive(),
        parameters: record.optional(),
        rtcpFeedback: z
          .array(z.object({ type: text, parameter: text.optional() }))
          .max(16)
          .optional(),
      }),
    )
    .min(1)
    .max(16),
  headerExtensions: z
    .array(z.looseObject({ uri: text, id: z.number().int().min(1).max(255) }))
    .max(32)
    .optional(),
  encodings: z.array(record).max(8).optional(),
  rtcp: record.optional(),
});

const rtpCapabilities = z.object({
  codecs: z.array(record).max(64).optional(),
  headerExtensions: z.array(record).max(64).optional(),
});

export const controlsPatch = z
  .object({
    style: z.enum(styleNames).optional(),
    detail: z.number().min(0).max(1).optional(),
    temporal: z.boolean().optional(),
  })
  .strict();

const target = z.object({ kind: z.enum(["producer", "consumer"]), id });

export const requestSchemas = {
  /** The router's RTP capabilities and the ICE servers (TURN) to use. */
  routerCapabilities: z.object({}),
  createTransport: z.object({ direction: z.enum(["send", "recv"]) }),
  connectTransport: z.object({ transportId: id, dtlsParameters }),
  /** A camera track; starts its pipeline. `probe` is for the latency benchmark (probe-band.ts). */
  produce: z.object({
    transportId: id,
    kind: z.literal("video"),
    rtpParameters,
    mode: z.enum(["sketch", "passthrough"]).default("sketch"),
    probe: z.boolean().default(false),
    controls: controlsPatch.optional(),
  }),
  consume: z.object({ transportId: id, producerId: id, rtpCapabilities }),
  pause: target,
  resume: target,
  close: target,
  /** Applied from the next frame on; no renegotiation. */
  setControls: z.object({ producerId: id, controls: controlsPatch }),
  pipelineStats: z.object({ producerId: id }),
};

export type RequestName = keyof typeof requestSchemas;
export type Request<K extends RequestName> = z.input<(typeof requestSchemas)[K]>;

export interface TransportInfo {
  id: string;
  iceParameters: types.IceParameters;
  iceCandidates: types.IceCandidate[];
  dtlsParameters: types.DtlsParameters;
}

export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

export interface Responses {
  routerCapabilities: { rtpCapabilities: types.RtpCapabilities; iceServers: IceServer[] };
  createTransport: TransportInfo;
  connectTransport: Record<string, never>;
  /** `id`: the camera producer; `sketchProducerId`: the processed stream to consume. */
  produce: { id: string; sketchProducerId: string };
  consume: { id: string; producerId: string; kind: types.MediaKind; rtpParameters: types.RtpParameters };
  pause: Record<string, never>;
  resume: Record<string, never>;
  close: Record<string, never>;
  setControls: { controls: { style: string; detail: number; temporal: boolean } };
  pipelineStats: PipelineStats;
}

/**
 * Why a request failed: `invalid-request` (the payload did not validate), `not-found` (no such
 * transport/producer/consumer of this connection), `server-full` (a capacity limit; retry later),
 * `failed` (anything else; `error` says what).
 */
export type ErrorCode = "invalid-request" | "not-found" | "server-full" | "failed";

export type Ack<T> = { ok: true; data: T } | { ok: false; error: string; code: ErrorCode };

/** socket.io typing for the `/live` namespace. */
export type LiveClientEvents = {
  [K in RequestName]: (payload: Request<K>, ack: (reply: Ack<Responses[K]>) => void) => void;
};

export interface LiveServerEvents {
  /**
   * A pipeline ended by itself: its camera producer closed (`source-closed`), the camera sent
   * nothing for the idle timeout (`no-media`), or its decoder could not start (`failed`). Stop
   * showing its sketch.
   */
  pipelineClosed: (event: { producerId: string; reason: PipelineEndReason }) => void;
}
