import { randomUUID } from "node:crypto";
import type { types } from "mediasoup";
import { RequestError } from "./request-error.js";
import { TypedEmitter } from "./typed-emitter.js";

/** Caps per participant, so one client cannot exhaust ports or CPU. */
const maxTransports = 4;
const maxProducers = { video: 2, audio: 1 } as const;

export interface TransportInfo {
  id: string;
  iceParameters: types.IceParameters;
  iceCandidates: types.IceCandidate[];
  dtlsParameters: types.DtlsParameters;
}

export interface ConsumerInfo {
  id: string;
  producerId: string;
  kind: types.MediaKind;
  rtpParameters: types.RtpParameters;
}

/** A participant sends and receives; a viewer only receives (WHEP, overlays). */
export type PeerRole = "participant" | "viewer";

export interface PeerEvents {
  /** The peer is gone, with everything it had. */
  close: [];
  /** One of its producers was paused or resumed (camera off, muted). */
  producerPaused: [producer: types.Producer, paused: boolean];
  /** A transport's DTLS handshake completed (media can flow). */
  transportConnected: [transportId: string];
  /** A consumer ended (its producer went, or it was closed). */
  consumerClosed: [consumerId: string];
}

/**
 * One participant's mediasoup objects on its room's router: WebRTC transports, the producers it
 * sends and the consumers it receives. close() ends all of them (producers first, so what the room
 * made of them ends too) and emits `close`.
 */
export class Peer {
  readonly id = randomUUID();
  readonly observer = new TypedEmitter<PeerEvents>();
  private readonly transports = new Map<string, types.WebRtcTransport>();
  private readonly producers = new Map<string, types.Producer>();
  private readonly consumers = new Map<string, types.Consumer>();
  private closed = false;

  constructor(
    readonly name: string,
    readonly role: PeerRole,
    private readonly router: types.Router,
    private readonly listenIp: types.TransportListenIp,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  async createTransport(): Promise<TransportInfo> {
    if (this.transports.size >= maxTransports)
      throw new RequestError("failed", `at most ${maxTransports} transports per connection`);
    const t = await this.router
      .createWebRtcTransport({
        listenIps: [this.listenIp],
        enableUdp: true,
        enableTcp: true,
        preferUdp: true,
      })
      .catch((err: unknown) => {
        // Every WebRTC port of the configured range is taken: a capacity limit like the others.
        // mediasoup says "no more available ports"; the 3.8.4 worker we run gives an empty reason.
        const reason = err instanceof Error ? err.message.replace(/\s*\[method:[^\]]*\]$/, "") : "?";
        if (reason === "" || /no more available ports/i.test(reason))
          throw new RequestError("server-full", "server full: no free WebRTC port; try again later");
        throw err;
      });
    if (this.closed) {
      t.close();
      throw new RequestError("failed", "connection closed");
    }
    this.transports.set(t.id, t);
    t.observer.once("close", () => this.transports.delete(t.id));
    t.on("dtlsstatechange", (state) => {
      if (state === "connected") this.observer.emit("transportConnected", t.id);
    });
    const { id, iceParameters, iceCandidates, dtlsParameters } = t;
    return { id, iceParameters, iceCandidates, dtlsParameters };
  }

  async connectTransport(id: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    await this.transport(id).connect({ dtlsParameters });
  }

  async produce(
    transportId: string,
    kind: types.MediaKind,
    rtpParameters: types.RtpParameters,
  ): Promise<types.Producer> {
    const same = [...this.producers.values()].filter((p) => p.kind === kind).length;
    if (same >= maxProducers[kind])
      throw new RequestError("failed", `at most ${maxProducers[kind]} ${kind} producers per connection`);
    const producer = await this.transport(transportId).produce({ kind, rtpParameters });
    if (this.closed) {
      producer.close();
      throw new RequestError("failed", "connection closed");
    }
    this.producers.set(producer.id, producer);
    producer.observer.once("close", () => this.producers.delete(producer.id));
    return producer;
  }

  /** A paused consumer of `producer` (resume it once the client has set it up; a keyframe follows). */
  async consume(
    transportId: string,
    producer: types.Producer,
    rtpCapabilities: types.RtpCapabilities,
  ): Promise<ConsumerInfo> {
    if (!this.router.canConsume({ producerId: producer.id, rtpCapabilities }))
      throw new RequestError("failed", `cannot consume ${producer.id} with these capabilities`);
    const c = await this.transport(transportId).consume({
      producerId: producer.id,
      rtpCapabilities,
      paused: true,
    });
    this.consumers.set(c.id, c);
    c.observer.once("close", () => {
      this.consumers.delete(c.id);
      this.observer.emit("consumerClosed", c.id);
    });
    return { id: c.id, producerId: producer.id, kind: c.kind, rtpParameters: c.rtpParameters };
  }

  async pause(kind: "producer" | "consumer", id: string): Promise<void> {
    const e = this.endpoint(kind, id);
    await e.pause();
    if (kind === "producer") this.observer.emit("producerPaused", e as types.Producer, true);
  }

  async resume(kind: "producer" | "consumer", id: string): Promise<void> {
    const e = this.endpoint(kind, id);
    await e.resume();
    if (kind === "producer") this.observer.emit("producerPaused", e as types.Producer, false);
  }

  closeEndpoint(kind: "producer" | "consumer", id: string): void {
    this.endpoint(kind, id).close();
  }

  /** Bytes received on all its transports so far (RTCP reports keep counting while a viewer is there). */
  async receivedBytes(): Promise<number> {
    const stats = await Promise.all([...this.transports.values()].map((t) => t.getStats()));
    return stats.flat().reduce((sum, s) => sum + (s.bytesReceived ?? 0), 0);
  }

  owns(producerId: string): boolean {
    return this.producers.has(producerId);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.producers.values()) p.close();
    for (const t of this.transports.values()) t.close();
    this.observer.emit("close");
    this.observer.removeAllListeners();
  }

  private transport(id: string): types.WebRtcTransport {
    const t = this.transports.get(id);
    if (!t) throw new RequestError("not-found", `no transport ${id}`);
    return t;
  }

  private endpoint(kind: "producer" | "consumer", id: string): types.Producer | types.Consumer {
    const e = kind === "producer" ? this.producers.get(id) : this.consumers.get(id);
    if (!e) throw new RequestError("not-found", `no ${kind} ${id}`);
    return e;
  }
}
