// Everyone else's streams on one connection of a call: each publication consumed once, shown in
// its participant's tile (sketch or sound), paused and removed as the room's events say.
import type { types } from "mediasoup-client";
import type { Publication } from "../../server/signaling/socketio/messages.js";
import { type LiveConnection, RequestRefusedError } from "../live/signaling.js";
import type { Say } from "./call-session.js";
import type { TileGrid } from "./tiles.js";

export class RemoteStreams {
  /** By producer id (the publication's). */
  private readonly consumers = new Map<string, { consumer: types.Consumer; publication: Publication }>();
  /** Producer ids being consumed now (a publication is consumed once). */
  private readonly consuming = new Set<string>();
  private closed = false;

  constructor(
    private readonly connection: LiveConnection,
    private readonly recv: types.Transport,
    private readonly grid: TileGrid,
    private readonly ownPeerId: string,
    private readonly page: { say: Say; soundBlocked: () => void },
  ) {}

  async consume(pub: Publication): Promise<void> {
    if (this.closed || pub.peerId === this.ownPeerId) return;
    if (this.consumers.has(pub.producerId) || this.consuming.has(pub.producerId)) return;
    this.consuming.add(pub.producerId);
    const tile = this.grid.ensure(pub.peerId, this.grid.get(pub.peerId)?.name ?? "…");
    try {
      const consumer = await this.connection.consume(this.recv, pub.producerId);
      if (this.closed || !this.grid.get(pub.peerId)) {
        consumer.close();
        return;
      }
      this.consumers.set(pub.producerId, { consumer, publication: pub });
      if (pub.kind === "video") {
        tile.showVideo(consumer.track);
        tile.setBadge("camera", pub.paused);
      } else {
        tile.setBadge("mic", pub.paused);
        if (!(await tile.playAudio(consumer.track))) this.page.soundBlocked();
      }
    } catch (err) {
      // A publication that ended while it was being consumed is not worth a message.
      if (err instanceof RequestRefusedError && err.code === "not-found") return;
      if (!this.closed) this.page.say(`Cannot receive a stream of ${tile.name}: ${String(err)}`, "bad");
    } finally {
      this.consuming.delete(pub.producerId);
    }
  }

  unpublished(peerId: string, producerId: string): void {
    const entry = this.consumers.get(producerId);
    if (!entry) return;
    entry.consumer.close();
    this.consumers.delete(producerId);
    const tile = this.grid.get(peerId);
    if (!tile) return;
    if (entry.publication.kind === "video") {
      if (tile.hasVideo(entry.consumer.track)) tile.showVideo(undefined);
      tile.setBadge("camera", false);
    } else {
      void tile.playAudio(undefined);
      tile.setBadge("mic", false);
    }
  }

  paused(peerId: string, producerId: string, paused: boolean): void {
    const entry = this.consumers.get(producerId);
    if (!entry) return;
    entry.publication.paused = paused;
    this.grid.get(peerId)?.setBadge(entry.publication.kind === "video" ? "camera" : "mic", paused);
  }

  peerLeft(peerId: string): void {
    for (const [id, entry] of this.consumers) {
      if (entry.publication.peerId !== peerId) continue;
      entry.consumer.close();
      this.consumers.delete(id);
    }
    this.grid.remove(peerId);
  }

  /** The connection is dropped: late answers are thrown away (its consumers end with it). */
  close(): void {
    this.closed = true;
  }
}
