// The browser side of the `/live` protocol (server/live/signaling-messages.ts): one socket, a send
// transport for the camera and a receive transport for the sketch that comes back.
import { Device, type types } from "mediasoup-client";
import { io, type Socket } from "socket.io-client";
import type {
  Ack,
  ErrorCode,
  LiveClientEvents,
  LiveServerEvents,
  PipelineEndReason,
  Request,
  RequestName,
  Responses,
} from "../../server/live/signaling-messages.js";

export class ServerUnreachableError extends Error {
  override name = "ServerUnreachableError";
}

/** The server answered but refused: `code` says why ("server-full": retry later). */
export class RequestRefusedError extends Error {
  override name = "RequestRefusedError";
  constructor(
    message: string,
    readonly code: ErrorCode,
  ) {
    super(message);
  }
}

export interface StartOptions {
  mode?: "sketch" | "passthrough";
  /** The camera's codec; default: the browser's first choice (VP8 in Chromium). */
  codec?: "vp8" | "h264";
  probe?: boolean;
  controls?: Request<"setControls">["controls"];
}

/** A one-time token from the server; asked for again on every (re)connect. */
async function sessionToken(): Promise<string> {
  const res = await fetch("/api/live/session", { cache: "no-store" }).catch((err: unknown) => {
    throw new ServerUnreachableError(
      `Cannot reach the sketchcast server (${err instanceof Error ? err.message : String(err)}). Check that it is running and reload.`,
    );
  });
  if (res.ok) return ((await res.json()) as { token: string }).token;
  const body = (await res.json().catch(() => ({}))) as { error?: string };
  const why = body.error ?? `HTTP ${res.status}`;
  if (res.status === 429 || res.status === 503)
    throw new RequestRefusedError(`The server is busy: ${why}. Try again in a minute.`, "server-full");
  throw new RequestRefusedError(`The server refused a live session: ${why}.`, "failed");
}

export class LiveSession {
  private sendTransport: types.Transport | undefined;
  private recvTransport: types.Transport | undefined;
  private producer: types.Producer | undefined;
  private consumer: types.Consumer | undefined;

  private constructor(
    private readonly socket: Socket<LiveServerEvents, LiveClientEvents>,
    private readonly device: Device,
    private readonly iceServers: RTCIceServer[],
  ) {}

  static async connect(): Promise<LiveSession> {
    await sessionToken();
    const socket: Socket<LiveServerEvents, LiveClientEvents> = io("/live", {
      auth: (cb) =>
        void sessionToken().then(
          (token) => cb({ token }),
          () => cb({}),
        ),
      transports: ["websocket"],
    });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", (err) => {
        socket.close();
        reject(
          err.message.startsWith("server full")
            ? new RequestRefusedError(
                `The server is busy (${err.message}). Try again in a minute.`,
                "server-full",
              )
            : new ServerUnreachableError(
                `Cannot open the live connection to the server: ${err.message}. Reload to retry.`,
              ),
        );
      });
    });
    const device = new Device();
    const session = new LiveSession(socket, device, []);
    const { rtpCapabilities, iceServers } = await session.request("routerCapabilities", {});
    // The server's mediasoup 3.8 and mediasoup-client 3.24 type the same JSON slightly differently
    // (optional fields, `ip` vs `address` on candidates, which the client reads either way).
    await device.load({ routerRtpCapabilities: rtpCapabilities as types.RtpCapabilities });
    session.iceServers.push(...iceServers);
    return session;
  }

  /** One request with its ack; rejects with the server's error message. */
  request<K extends RequestName>(name: K, payload: Request<K>): Promise<Responses[K]> {
    return new Promise((resolve, reject) => {
      const emit = this.socket.timeout(10_000).emit as unknown as (
        n: K,
        p: Request<K>,
        cb: (err: Error | null, reply: Ack<Responses[K]>) => void,
      ) => void;
      emit.call(this.socket, name, payload, (err, reply) => {
        if (err) reject(new ServerUnreachableError(`the server did not answer ${name}`));
        else if (reply.ok) resolve(reply.data);
        else reject(new RequestRefusedError(reply.error, reply.code));
      });
    });
  }

  /** Sends the camera track; resolves with the sketched track coming back. */
  async start(track: MediaStreamTrack, options: StartOptions = {}): Promise<MediaStreamTrack> {
    const send = await this.transport("send");
    const recv = await this.transport("recv");
    let sketchProducerId = "";
    const { codec, ...produceOptions } = options;
    send.on("produce", ({ rtpParameters }, callback, errback) => {
      this.request("produce", { transportId: send.id, kind: "video", rtpParameters, ...produceOptions }).then(
        (r) => {
          sketchProducerId = r.sketchProducerId;
          callback({ id: r.id });
        },
        errback,
      );
    });
    const preferred = this.device.rtpCapabilities.codecs?.find(
      (c) => c.mimeType.toLowerCase() === `video/${codec}`,
    );
    this.producer = await send.produce({ track, encodings: [{ maxBitrate: 2_500_000 }], codec: preferred });
    const info = await this.request("consume", {
      transportId: recv.id,
      producerId: sketchProducerId,
      rtpCapabilities: this.device.rtpCapabilities,
    });
    this.consumer = await recv.consume(info as types.ConsumerOptions);
    await this.request("resume", { kind: "consumer", id: this.consumer.id });
    return this.consumer.track;
  }

  /** Swaps the camera (another device or size) without renegotiating. */
  async replaceTrack(track: MediaStreamTrack): Promise<void> {
    await this.producer?.replaceTrack({ track });
  }

  setControls(controls: Request<"setControls">["controls"]): Promise<unknown> {
    if (!this.producer) return Promise.resolve();
    return this.request("setControls", { producerId: this.producer.id, controls });
  }

  pipelineStats(): Promise<Responses["pipelineStats"] | undefined> {
    if (!this.producer) return Promise.resolve(undefined);
    return this.request("pipelineStats", { producerId: this.producer.id });
  }

  /** WebRTC statistics of the camera upload and the sketch download. */
  async rtcStats(): Promise<{ up: RTCStatsReport; down: RTCStatsReport } | undefined> {
    if (!this.producer || !this.consumer) return undefined;
    return { up: await this.producer.getStats(), down: await this.consumer.getStats() };
  }

  /** The server ended the camera's pipeline by itself (see PipelineEndReason). */
  onPipelineClosed(fn: (reason: PipelineEndReason) => void): void {
    this.socket.on("pipelineClosed", ({ producerId, reason }) => {
      if (producerId === this.producer?.id) fn(reason);
    });
  }

  onDisconnect(fn: (reason: string) => void): void {
    this.socket.on("disconnect", fn);
  }

  close(): void {
    this.sendTransport?.close();
    this.recvTransport?.close();
    this.socket.close();
  }

  private async transport(direction: "send" | "recv"): Promise<types.Transport> {
    const info = await this.request("createTransport", { direction });
    const options = { ...info, iceServers: this.iceServers } as types.TransportOptions;
    const t =
      direction === "send"
        ? this.device.createSendTransport(options)
        : this.device.createRecvTransport(options);
    t.on("connect", ({ dtlsParameters }, callback, errback) => {
      this.request("connectTransport", { transportId: t.id, dtlsParameters }).then(() => callback(), errback);
    });
    if (direction === "send") this.sendTransport = t;
    else this.recvTransport = t;
    return t;
  }
}
