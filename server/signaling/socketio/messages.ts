// The `/live` socket.io protocol: every request is `emit(name, payload, ack)` and every ack is
// `{ ok: true, data }` or `{ ok: false, error, code }`. Payloads are validated here before anything
// touches mediasoup; mediasoup's own objects (DTLS/RTP parameters) are checked for shape and size
// and then left to mediasoup, which rejects what it cannot use.
import type { types } from "mediasoup";
import { z } from "zod";
import { controlsPatch } from "../../engine/controls.js";
import type { ErrorCode } from "../../media/request-error.js";
import type { PipelineEndReason, PipelineStats } from "../../processing/sketch-processor.js";

export type { ErrorCode, PipelineEndReason };

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

const target = z.object({ kind: z.enum(["producer", "consumer"]), id });

/** A call's room: what `/call.html?room=` takes. */
export const roomName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, {
  error: "expected 1-64 letters, digits, _ or -",
});

/** What others see as your name: printable text, trimmed, at most 64 characters. */
export const displayName = z
  .string()
  .transform((s) =>
    s
      .replace(/[\p{C}]/gu, "")
      .trim()
      .slice(0, 64),
  )
  .pipe(z.string().min(1, { error: "expected a name" }));

export const requestSchemas = {
  /**
   * Enters a call's room (`room`), or without `room` a private room of one (the preview). Must come
   * first to join a call; any other request before it joins a private room.
   */
  join: z.object({ room: roomName.optional(), name: displayName.optional() }),
  /** The router's RTP capabilities and the ICE servers (TURN) to use. */
  routerCapabilities: z.object({}),
  createTransport: z.object({ direction: z.enum(["send", "recv"]) }),
  connectTransport: z.object({ transportId: id, dtlsParameters }),
  /**
   * A camera (video: its sketch pipeline starts and the sketch is published to the room) or a
   * microphone (audio: published as is). `probe` is for the latency benchmark (probe-band.ts).
   */
  produce: z.object({
    transportId: id,
    kind: z.enum(["video", "audio"]),
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

/** A participant as others see them. */
export interface PeerInfo {
  id: string;
  name: string;
}

/** A stream of a room that its peers may consume: a camera's sketch, or a microphone. */
export interface Publication {
  peerId: string;
  /** What to consume. For video the sketch, not the camera. */
  producerId: string;
  kind: "video" | "audio";
  /** The sender paused it (camera off, muted). */
  paused: boolean;
}

export interface Responses {
  join: {
    peerId: string;
    /** The room's name; a private room's is generated. */
    room: string;
    /** Everyone else in the room, and what they publish now. */
    peers: PeerInfo[];
    publications: Publication[];
    /** The largest size cameras are sketched at in this room (calls draw tiles), or none. */
    sketchSize: { width: number; height: number } | null;
  };
  routerCapabilities: { rtpCapabilities: types.RtpCapabilities; iceServers: IceServer[] };
  createTransport: TransportInfo;
  connectTransport: Record<string, never>;
  /** `id`: the producer; `sketchProducerId` (video): the processed stream to consume. */
  produce: { id: string; sketchProducerId?: string };
  consume: { id: string; producerId: string; kind: types.MediaKind; rtpParameters: types.RtpParameters };
  pause: Record<string, never>;
  resume: Record<string, never>;
  close: Record<string, never>;
  setControls: { controls: { style: string; detail: number; temporal: boolean } };
  pipelineStats: PipelineStats;
}

export type Ack<T> = { ok: true; data: T } | { ok: false; error: string; code: ErrorCode };

/** socket.io typing for the `/live` namespace. */
export type LiveClientEvents = {
  [K in RequestName]: (payload: Request<K>, ack: (reply: Ack<Responses[K]>) => void) => void;
};

export interface LiveServerEvents {
  /** Someone entered the room. */
  peerJoined: (peer: PeerInfo) => void;
  /** Someone left (or lost the connection): remove their tile. */
  peerLeft: (event: { peerId: string }) => void;
  /** A stream is there to consume (a new sketch, a microphone). */
  published: (publication: Publication) => void;
  /** A stream ended. */
  unpublished: (event: { peerId: string; producerId: string }) => void;
  /** A stream was paused or resumed by its sender. */
  publicationPaused: (event: { peerId: string; producerId: string; paused: boolean }) => void;
  /**
   * A pipeline ended by itself: its camera producer closed (`source-closed`), the camera sent
   * nothing for the idle timeout (`no-media`), or its decoder could not start (`failed`). Stop
   * showing its sketch.
   */
  pipelineClosed: (event: { producerId: string; reason: PipelineEndReason }) => void;
}
