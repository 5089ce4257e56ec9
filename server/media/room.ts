import type { types } from "mediasoup";
import { Peer, type PeerRole } from "./peer.js";
import type { ProcessingRequest, Processor, ProcessorFactory } from "./processor.js";
import { RequestError } from "./request-error.js";
import { TypedEmitter } from "./typed-emitter.js";

/** Players per room (WHEP, overlays): each is a WebRTC transport and consumers, no ffmpeg. */
const maxViewers = 8;

/** A stream of the room others may consume: a camera's processed output, or a microphone as is. */
export interface RoomPublication {
  peer: Peer;
  /** What consumers consume (the processor's output for a camera). */
  producer: types.Producer;
  /** What the peer sends (the camera or microphone itself). */
  source: types.Producer;
  kind: types.MediaKind;
}

export interface RoomEvents {
  peerJoined: [peer: Peer];
  peerLeft: [peer: Peer];
  published: [publication: RoomPublication];
  unpublished: [publication: RoomPublication];
  publicationPaused: [publication: RoomPublication, paused: boolean];
  /** A camera's processor ended by itself; `reason` says why. */
  processorEnded: [peer: Peer, sourceId: string, reason: string];
  close: [];
}

export interface RoomOptions<P extends Processor> {
  name: string;
  router: types.Router;
  maxPeers: number;
  listenIp: types.TransportListenIp;
  /** Cameras larger than this are sketched at this size (call tiles); undefined: as sent. */
  fit: { width: number; height: number } | undefined;
  createProcessor: ProcessorFactory<P>;
}

/**
 * A call (or the preview, a room of one): one router, its peers, and the processors that turn each
 * camera into the stream everyone else consumes (keyed by the camera producer). Peers consume only
 * what this room publishes. close() ends peers, processors and the router, then emits `close`; the
 * room also closes itself when its router dies with its worker.
 */
export class Room<P extends Processor = Processor> {
  readonly observer = new TypedEmitter<RoomEvents>();
  private readonly peers = new Map<string, Peer>();
  private readonly processors = new Map<string, P>();
  private readonly publications = new Map<string, RoomPublication>();
  private closed = false;

  constructor(private readonly options: RoomOptions<P>) {
    options.router.observer.once("close", () => this.close());
  }

  get name(): string {
    return this.options.name;
  }

  /** For producers that do not come from a peer's WebRTC transport (the call benchmark's cameras). */
  get router(): types.Router {
    return this.options.router;
  }

  get fit(): { width: number; height: number } | undefined {
    return this.options.fit;
  }

  /** Participants (viewers are not counted). */
  get size(): number {
    return this.participants().length;
  }

  get rtpCapabilities(): types.RtpCapabilities {
    return this.options.router.rtpCapabilities;
  }

  /**
   * A new participant (`room-full` at maxPeers), or a viewer: a peer that only consumes (a WHEP
   * player, an overlay), not counted in `size`, not announced to the others, at most maxViewers.
   * Leaving is `peer.close()`.
   */
  join(name: string, role: PeerRole = "participant"): Peer {
    if (this.closed) throw new RequestError("failed", "the room has closed; join again");
    const viewers = [...this.peers.values()].filter((p) => p.role === "viewer").length;
    if (role === "viewer" && viewers >= maxViewers)
      throw new RequestError("room-full", `room full: "${this.name}" has ${maxViewers} viewers`);
    if (role === "participant" && this.size >= this.options.maxPeers)
      throw new RequestError(
        "room-full",
        `room full: "${this.name}" has ${this.options.maxPeers} participants`,
      );
    const peer = new Peer(name, role, this.options.router, this.options.listenIp);
    this.peers.set(peer.id, peer);
    peer.observer.on("producerPaused", (producer, paused) => {
      for (const pub of this.publications.values())
        if (pub.source === producer) this.observer.emit("publicationPaused", pub, paused);
    });
    peer.observer.once("close", () => {
      this.peers.delete(peer.id);
      if (role === "participant") this.observer.emit("peerLeft", peer);
    });
    if (role === "participant") this.observer.emit("peerJoined", peer);
    return peer;
  }

  /** The other participants. */
  others(peer: Peer): Peer[] {
    return this.participants().filter((p) => p !== peer);
  }

  participants(): Peer[] {
    return [...this.peers.values()].filter((p) => p.role === "participant");
  }

  /** Everything consumable now (a peer's own camera sketch is its self-view). */
  currentPublications(): RoomPublication[] {
    return [...this.publications.values()];
  }

  /**
   * Takes a peer's new producer into the room: a camera gets its processor and the processor's
   * output is published; a microphone is published as is. Returns the publication.
   */
  async publish(peer: Peer, source: types.Producer, request: ProcessingRequest): Promise<RoomPublication> {
    if (source.kind === "audio") return this.add({ peer, producer: source, source, kind: "audio" });
    const processor = await this.options
      .createProcessor(this.options.router, source, { ...request, fit: request.fit ?? this.options.fit })
      .catch((err: unknown) => {
        source.close();
        throw err;
      });
    if (this.closed || source.closed) {
      await processor.close();
      throw new RequestError("failed", "connection closed");
    }
    this.processors.set(source.id, processor);
    const publication = this.add({ peer, producer: processor.output.producer, source, kind: "video" });
    processor.onClose((reason) => {
      this.processors.delete(source.id);
      this.remove(publication);
      if (reason && !peer.isClosed) this.observer.emit("processorEnded", peer, source.id, reason);
    });
    return publication;
  }

  /** The processor of `peer`'s camera `sourceId` (its controls and statistics). */
  processorOf(peer: Peer, sourceId: string): P {
    const p = peer.owns(sourceId) ? this.processors.get(sourceId) : undefined;
    if (!p) throw new RequestError("not-found", `no pipeline for producer ${sourceId}`);
    return p;
  }

  /** A producer of this room's publications, or not-found: nothing else can be consumed. */
  consumable(producerId: string): types.Producer {
    const pub = this.publications.get(producerId);
    if (!pub) throw new RequestError("not-found", `no producer ${producerId}`);
    return pub.producer;
  }

  /** Ends every peer and processor and the router; resolves when the processors' ffmpegs have exited. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const processors = [...this.processors.values()];
    for (const peer of [...this.peers.values()]) peer.close();
    await Promise.all(processors.map((p) => p.close()));
    this.options.router.close();
    this.observer.emit("close");
    this.observer.removeAllListeners();
  }

  private add(publication: RoomPublication): RoomPublication {
    this.publications.set(publication.producer.id, publication);
    publication.source.observer.once("close", () => this.remove(publication));
    this.observer.emit("published", publication);
    return publication;
  }

  private remove(publication: RoomPublication): void {
    if (!this.publications.delete(publication.producer.id)) return;
    this.observer.emit("unpublished", publication);
  }
}
