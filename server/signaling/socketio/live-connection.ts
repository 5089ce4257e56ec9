import type { types } from "mediasoup";
import type { Socket } from "socket.io";
import type { Logger } from "../../log.js";
import type { Peer } from "../../media/peer.js";
import { RequestError } from "../../media/request-error.js";
import type { Room, RoomEvents, RoomPublication } from "../../media/room.js";
import type { Rooms } from "../../media/rooms.js";
import type { SketchProcessor } from "../../processing/sketch-processor.js";
import type { Handlers } from "./handler.js";
import type {
  IceServer,
  LiveClientEvents,
  LiveServerEvents,
  PipelineEndReason,
  Publication,
} from "./messages.js";

type LiveSocket = Socket<LiveClientEvents, LiveServerEvents>;

function publication(p: RoomPublication): Publication {
  return { peerId: p.peer.id, producerId: p.producer.id, kind: p.kind, paused: p.source.paused };
}

/**
 * One `/live` socket as a room member: `join` puts it in a call's room (or, when its first request
 * is anything else, in a private room: the preview), the requests act on its Peer, and the room's
 * events reach it as socket events. close() (on disconnect) ends the peer and everything it had.
 */
export class LiveConnection {
  private member: Promise<{ room: Room<SketchProcessor>; peer: Peer }> | undefined;
  private detach: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly socket: LiveSocket,
    private readonly rooms: Rooms<SketchProcessor>,
    private readonly iceServers: () => IceServer[],
    private readonly log: Logger,
  ) {}

  readonly handlers: Handlers = {
    join: async ({ room, name }) => {
      if (this.member) throw new RequestError("failed", "this connection is already in a room");
      const { room: r, peer } = await this.enter(room, name ?? "Guest");
      return {
        peerId: peer.id,
        room: r.name,
        peers: r.others(peer).map((p) => ({ id: p.id, name: p.name })),
        publications: r.currentPublications().map(publication),
        sketchSize: r.fit ?? null,
      };
    },
    routerCapabilities: async () => ({
      rtpCapabilities: (await this.joined()).room.rtpCapabilities,
      iceServers: this.iceServers(),
    }),
    createTransport: async () => (await this.joined()).peer.createTransport(),
    connectTransport: async ({ transportId, dtlsParameters }) => {
      await (await this.joined()).peer.connectTransport(transportId, dtlsParameters as types.DtlsParameters);
      return {};
    },
    produce: async ({ transportId, kind, rtpParameters, mode, probe, controls }) => {
      const { room, peer } = await this.joined();
      const source = await peer.produce(transportId, kind, rtpParameters as types.RtpParameters);
      const pub = await room.publish(peer, source, { mode, probe, controls });
      return { id: source.id, ...(kind === "video" ? { sketchProducerId: pub.producer.id } : {}) };
    },
    consume: async ({ transportId, producerId, rtpCapabilities }) => {
      const { room, peer } = await this.joined();
      return peer.consume(transportId, room.consumable(producerId), rtpCapabilities as types.RtpCapabilities);
    },
    pause: async ({ kind, id }) => {
      await (await this.joined()).peer.pause(kind, id);
      return {};
    },
    resume: async ({ kind, id }) => {
      await (await this.joined()).peer.resume(kind, id);
      return {};
    },
    close: async ({ kind, id }) => {
      (await this.joined()).peer.closeEndpoint(kind, id);
      return {};
    },
    setControls: async ({ producerId, controls }) => {
      const { room, peer } = await this.joined();
      const stream = room.processorOf(peer, producerId).stream;
      // The processor reads stream.controls for every frame.
      stream.controls = { ...stream.controls, ...controls };
      return { controls: stream.controls };
    },
    pipelineStats: async ({ producerId }) => {
      const { room, peer } = await this.joined();
      return room.processorOf(peer, producerId).stats();
    },
  };

  /** Leaves the room: the peer closes, and with it its producers, their processors and consumers. */
  close(): void {
    this.closed = true;
    this.detach?.();
    void this.member?.then(
      ({ peer }) => peer.close(),
      () => {},
    );
  }

  private joined(): Promise<{ room: Room<SketchProcessor>; peer: Peer }> {
    return this.member ?? this.enter(undefined, "Preview");
  }

  private enter(roomName: string | undefined, peerName: string) {
    const member = this.rooms.join(roomName, peerName).then((m) => {
      if (this.closed) {
        m.peer.close();
        throw new RequestError("failed", "connection closed");
      }
      this.forward(m.room, m.peer);
      return m;
    });
    this.member = member;
    // A refused join (room full) leaves the connection free to try again.
    member.catch(() => {
      if (this.member === member) this.member = undefined;
    });
    return member;
  }

  /** The room's events, as this peer's socket sees them. */
  private forward(room: Room<SketchProcessor>, peer: Peer): void {
    const s = this.socket;
    const subscriptions: (() => void)[] = [];
    const listen = <K extends keyof RoomEvents & string>(event: K, fn: (...args: RoomEvents[K]) => void) => {
      room.observer.on(event, fn);
      subscriptions.push(() => room.observer.off(event, fn));
    };
    listen("peerJoined", (p) => p !== peer && s.emit("peerJoined", { id: p.id, name: p.name }));
    listen("peerLeft", (p) => p !== peer && s.emit("peerLeft", { peerId: p.id }));
    listen("published", (p) => p.peer !== peer && s.emit("published", publication(p)));
    listen("unpublished", (p) => s.emit("unpublished", { peerId: p.peer.id, producerId: p.producer.id }));
    listen("publicationPaused", (p, paused) => {
      if (p.peer !== peer)
        s.emit("publicationPaused", { peerId: p.peer.id, producerId: p.producer.id, paused });
    });
    listen("processorEnded", (p, sourceId, reason) => {
      if (p === peer) s.emit("pipelineClosed", { producerId: sourceId, reason: reason as PipelineEndReason });
    });
    // The router died with its worker: this client must reconnect.
    listen("close", () => s.disconnect(true));
    this.detach = () => {
      for (const unsubscribe of subscriptions) unsubscribe();
    };
    this.log.debug({ room: room.name, peer: peer.id }, "joined a room");
  }
}
