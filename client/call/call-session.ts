// One participant's side of a call: join the room on `/live`, send the camera (sketched by the
// server) and the microphone, consume everyone else's sketch and sound and your own sketch (the
// self-view), follow the room's events, and after a lost connection join again with backoff.
import type { types } from "mediasoup-client";
import type { Request, Responses } from "../../server/signaling/socketio/messages.js";
import { cameraEncodes } from "../live/camera-encodes.js";
import { LiveConnection, RequestRefusedError, ServerUnreachableError } from "../live/signaling.js";
import { RemoteStreams } from "./remote-streams.js";
import type { TileGrid } from "./tiles.js";

export type Controls = NonNullable<Request<"setControls">["controls"]>;

/** What the page shows above the grid; `tone` "" hides it. */
export type Say = (text: string, tone?: "" | "info" | "bad" | "good") => void;

/** Why the call cannot go on by itself (no automatic retry). */
export class CallEndedError extends Error {
  override name = "CallEndedError";
}

const backoffMs = [1000, 2000, 4000, 8000, 10_000];

/** One connection's worth of state; a rejoin starts a fresh one. */
interface Link {
  connection: LiveConnection;
  send: types.Transport;
  recv: types.Transport;
  camera?: types.Producer;
  microphone?: types.Producer;
  /** Everyone else's sketches and sound on this connection. */
  remote: RemoteStreams;
  /** Dropped (left, or the connection was lost): late answers for it are thrown away. */
  closed: boolean;
}

export class CallSession {
  peerId = "";
  private link: Link | undefined;
  private left = false;
  private muted = false;
  private cameraOff = false;
  private controls: Controls = {};
  private soundBlocked = false;
  /** Called when a browser refused to play sound without a click (show a button). */
  onSoundBlocked: () => void = () => {};
  /** After each join: whether the server sketches your camera (false: server full). */
  onSketched: (sketched: boolean) => void = () => {};
  /** After each join: the size the server draws this room's cameras at (null: as sent). */
  onSketchSize: (size: { width: number; height: number } | null) => void = () => {};

  constructor(
    readonly room: string,
    readonly name: string,
    private readonly media: { video: MediaStreamTrack; audio: MediaStreamTrack | undefined },
    private readonly grid: TileGrid,
    private readonly say: Say,
  ) {}

  /** Joins; rejects with the reason (room full, server unreachable …) when the first join fails. */
  async start(): Promise<void> {
    this.say("Joining the call…", "info");
    await this.join();
    this.say("", "");
  }

  get isMuted(): boolean {
    return this.muted;
  }

  get isCameraOff(): boolean {
    return this.cameraOff;
  }

  async setMuted(muted: boolean): Promise<void> {
    this.muted = muted;
    if (this.media.audio) this.media.audio.enabled = !muted;
    this.grid.self(this.name).setBadge("mic", muted);
    await this.pauseProducer(this.link?.microphone, muted);
  }

  async setCameraOff(off: boolean): Promise<void> {
    this.cameraOff = off;
    this.grid.self(this.name).setBadge("camera", off);
    await this.pauseProducer(this.link?.camera, off);
  }

  /** The device id of the camera the producer sends now ("" before it sends). */
  get cameraDeviceId(): string {
    return this.link?.camera?.track?.getSettings().deviceId ?? "";
  }

  /** Whether the camera's frames are being encoded (camera-encodes.ts); true while the camera is off. */
  async cameraEncodes(): Promise<boolean> {
    const producer = this.link?.camera;
    return !producer || this.cameraOff || cameraEncodes(producer);
  }

  /** Sends another camera (the picker): the same producer, so everyone's tile just changes picture. */
  async replaceCamera(track: MediaStreamTrack): Promise<void> {
    const old = this.media.video;
    this.media.video = track;
    await this.link?.camera?.replaceTrack({ track });
    old.stop();
  }

  /** Changes how everyone sees you; kept for a rejoin. */
  async setControls(controls: Controls): Promise<void> {
    this.controls = { ...this.controls, ...controls };
    const link = this.link;
    if (!link?.camera) return;
    await link.connection.request("setControls", { producerId: link.camera.id, controls: this.controls });
  }

  /** After a click: play the sound the browser held back. */
  async resumeSound(): Promise<void> {
    this.soundBlocked = false;
    await Promise.all(this.grid.all().map((t) => t.resumeAudio().catch(() => {})));
  }

  /** Closes everything: transports, socket, camera and microphone. */
  leave(): void {
    this.left = true;
    this.dropLink();
    this.media.video.stop();
    this.media.audio?.stop();
    this.grid.clear(true);
  }

  private async pauseProducer(producer: types.Producer | undefined, pause: boolean): Promise<void> {
    const link = this.link;
    if (!producer || !link) return;
    if (pause) producer.pause();
    else producer.resume();
    await link.connection.request(pause ? "pause" : "resume", { kind: "producer", id: producer.id });
  }

  private dropLink(): void {
    const link = this.link;
    this.link = undefined;
    if (!link) return;
    link.closed = true;
    link.remote.close();
    link.connection.close();
  }

  /** One join: connection, room, transports, producers, consumers. */
  private async join(): Promise<void> {
    const connection = await LiveConnection.open({ reconnection: false });
    try {
      await this.joinOn(connection);
    } catch (err) {
      if (this.link?.connection === connection) this.dropLink();
      else connection.close();
      throw err;
    }
  }

  private async joinOn(connection: LiveConnection): Promise<void> {
    const socket = connection.socket;
    // Events may come as soon as the join is answered: queue them until the transports are there.
    const early: (() => void)[] = [];
    let ready = false;
    const later = (fn: () => void) => (ready ? fn() : early.push(fn));
    socket.on("peerJoined", (p) => later(() => this.grid.ensure(p.id, p.name).setName(p.name)));
    socket.on("peerLeft", ({ peerId }) => later(() => this.link?.remote.peerLeft(peerId)));
    socket.on("published", (pub) => later(() => void this.link?.remote.consume(pub)));
    socket.on("unpublished", ({ peerId, producerId }) =>
      later(() => this.link?.remote.unpublished(peerId, producerId)),
    );
    socket.on("publicationPaused", ({ peerId, producerId, paused }) =>
      later(() => this.link?.remote.paused(peerId, producerId, paused)),
    );
    socket.on("pipelineClosed", ({ producerId }) =>
      later(() => {
        const link = this.link;
        if (link?.camera?.id === producerId)
          this.grid.self(this.name).setNote("The server stopped sketching your camera.");
      }),
    );

    const joined = await connection.request("join", { room: this.room, name: this.name });
    this.peerId = joined.peerId;
    this.onSketchSize(joined.sketchSize);
    await connection.loadDevice();
    const send = await connection.createTransport("send");
    const recv = await connection.createTransport("recv");
    const remote = new RemoteStreams(connection, recv, this.grid, joined.peerId, {
      say: this.say,
      soundBlocked: () => {
        if (this.soundBlocked) return;
        this.soundBlocked = true;
        this.onSoundBlocked();
      },
    });
    const link: Link = { connection, send, recv, remote, closed: false };
    this.link = link;

    // The lost connection: start over (unless this page left or already dropped this link).
    socket.on("disconnect", (reason) => {
      if (link.closed || this.left || reason === "io client disconnect") return;
      this.dropLink();
      void this.rejoin();
    });

    this.grid.clear();
    const self = this.grid.self(this.name);
    self.peerId = joined.peerId;
    self.setNote("");
    for (const p of joined.peers) this.grid.ensure(p.id, p.name);

    let sketchProducerId: string | undefined;
    send.on("produce", ({ kind, rtpParameters }, callback, errback) => {
      connection
        .request("produce", {
          transportId: send.id,
          kind,
          rtpParameters,
          ...(kind === "video" && Object.keys(this.controls).length > 0 ? { controls: this.controls } : {}),
        })
        .then((r: Responses["produce"]) => {
          sketchProducerId = r.sketchProducerId;
          callback({ id: r.id });
        }, errback);
    });

    if (this.media.audio) {
      link.microphone = await send.produce({ track: this.media.audio, stopTracks: false });
      if (this.muted) await this.pauseProducer(link.microphone, true);
    }
    try {
      link.camera = await send.produce({
        track: this.media.video,
        encodings: [{ maxBitrate: 1_500_000 }],
        stopTracks: false,
      });
      if (this.cameraOff) await this.pauseProducer(link.camera, true);
    } catch (err) {
      if (!(err instanceof RequestRefusedError && err.code === "server-full")) throw err;
      self.showVideo(undefined);
      self.setNote("Your camera is not sketched: the server is full. Others hear you but do not see you.");
    }
    if (link.camera && sketchProducerId) {
      const consumer = await connection.consume(recv, sketchProducerId);
      self.showVideo(consumer.track);
    }
    this.onSketched(link.camera !== undefined);

    ready = true;
    for (const pub of joined.publications) void remote.consume(pub);
    for (const fn of early.splice(0)) fn();
  }

  /** After a lost connection: join again (new token, transports, producers) with backoff. */
  private async rejoin(): Promise<void> {
    this.grid.clear();
    this.grid.self(this.name).showVideo(undefined);
    for (let attempt = 0; !this.left; attempt++) {
      const wait = backoffMs[Math.min(attempt, backoffMs.length - 1)] as number;
      this.say(
        attempt === 0
          ? "Lost the connection to the server. Reconnecting…"
          : `Lost the server. Reconnecting… (try ${attempt + 1} in ${Math.round(wait / 1000)} s)`,
        "bad",
      );
      await new Promise((r) => setTimeout(r, attempt === 0 ? 300 : wait));
      if (this.left) return;
      try {
        await this.join();
        if (this.left) {
          this.dropLink();
          return;
        }
        this.say("Reconnected.", "good");
        setTimeout(() => {
          if (this.link && !this.left) this.say("", "");
        }, 3000);
        return;
      } catch (err) {
        // A refusal that waiting does not change ends the retries; anything else is retried.
        if (err instanceof RequestRefusedError && err.code === "invalid-request") {
          this.say(`Cannot rejoin the call: ${err.message}`, "bad");
          return;
        }
        if (!(err instanceof RequestRefusedError || err instanceof ServerUnreachableError)) {
          console.warn("rejoin failed", err);
        }
      }
    }
  }
}
