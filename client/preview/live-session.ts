// The preview's live session: one `/live` connection (client/live/signaling.ts), the camera sent
// up the send transport and its sketch coming back on the receive transport.
import type { types } from "mediasoup-client";
import type { PipelineEndReason, Request, Responses } from "../../server/signaling/socketio/messages.js";
import { cameraEncodes } from "../live/camera-encodes.js";
import { LiveConnection } from "../live/signaling.js";

export { RequestRefusedError, ServerUnreachableError } from "../live/signaling.js";

export interface StartOptions {
  mode?: "sketch" | "passthrough";
  /** The camera's codec; default: the browser's first choice (VP8 in Chromium). */
  codec?: "vp8" | "h264";
  probe?: boolean;
  controls?: Request<"setControls">["controls"];
}

export class LiveSession {
  private producer: types.Producer | undefined;
  private consumer: types.Consumer | undefined;

  private constructor(private readonly connection: LiveConnection) {}

  static async connect(): Promise<LiveSession> {
    const connection = await LiveConnection.open();
    await connection.loadDevice();
    return new LiveSession(connection);
  }

  /** Sends the camera track; resolves with the sketched track coming back. */
  async start(track: MediaStreamTrack, options: StartOptions = {}): Promise<MediaStreamTrack> {
    const send = await this.connection.createTransport("send");
    const recv = await this.connection.createTransport("recv");
    let sketchProducerId = "";
    const { codec, ...produceOptions } = options;
    send.on("produce", ({ rtpParameters }, callback, errback) => {
      this.connection
        .request("produce", { transportId: send.id, kind: "video", rtpParameters, ...produceOptions })
        .then((r) => {
          sketchProducerId = r.sketchProducerId ?? "";
          callback({ id: r.id });
        }, errback);
    });
    const preferred = this.connection.device.rtpCapabilities.codecs?.find(
      (c) => c.mimeType.toLowerCase() === `video/${codec}`,
    );
    this.producer = await send.produce({ track, encodings: [{ maxBitrate: 2_500_000 }], codec: preferred });
    this.consumer = await this.connection.consume(recv, sketchProducerId);
    return this.consumer.track;
  }

  /** Swaps the camera (another device or size) without renegotiating. */
  /** Whether the camera's frames are being encoded (camera-encodes.ts). */
  cameraEncodes(): Promise<boolean> {
    return this.producer ? cameraEncodes(this.producer) : Promise.resolve(true);
  }

  async replaceTrack(track: MediaStreamTrack): Promise<void> {
    await this.producer?.replaceTrack({ track });
  }

  setControls(controls: Request<"setControls">["controls"]): Promise<unknown> {
    if (!this.producer) return Promise.resolve();
    return this.connection.request("setControls", { producerId: this.producer.id, controls });
  }

  pipelineStats(): Promise<Responses["pipelineStats"] | undefined> {
    if (!this.producer) return Promise.resolve(undefined);
    return this.connection.request("pipelineStats", { producerId: this.producer.id });
  }

  /** WebRTC statistics of the camera upload and the sketch download. */
  async rtcStats(): Promise<{ up: RTCStatsReport; down: RTCStatsReport } | undefined> {
    if (!this.producer || !this.consumer) return undefined;
    return { up: await this.producer.getStats(), down: await this.consumer.getStats() };
  }

  /** The server ended the camera's pipeline by itself (see PipelineEndReason). */
  onPipelineClosed(fn: (reason: PipelineEndReason) => void): void {
    this.connection.socket.on("pipelineClosed", ({ producerId, reason }) => {
      if (producerId === this.producer?.id) fn(reason);
    });
  }

  onDisconnect(fn: (reason: string) => void): void {
    this.connection.socket.on("disconnect", fn);
  }

  close(): void {
    this.connection.close();
  }
}
