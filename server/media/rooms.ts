import { randomBytes } from "node:crypto";
import type { types } from "mediasoup";
import type { Peer } from "./peer.js";
import type { Processor, ProcessorFactory } from "./processor.js";
import { RequestError } from "./request-error.js";
import { Room } from "./room.js";
import type { WorkerPool } from "./worker-pool.js";

export interface RoomsOptions<P extends Processor> {
  pool: WorkerPool;
  listenIp: types.TransportListenIp;
  /** Participants per named room (`--room-max-peers`). */
  maxPeers: number;
  /** The size named rooms (calls) sketch cameras at; private rooms (the preview) draw as sent. */
  callFit: { width: number; height: number };
  createProcessor: ProcessorFactory<P>;
}

/**
 * Every room of the server by name. A named room (a call) exists while someone is in it; a private
 * room (no name given: the preview) has one peer and a generated name. close() ends them all.
 */
export class Rooms<P extends Processor = Processor> {
  private readonly rooms = new Map<string, Promise<Room<P>>>();

  constructor(private readonly options: RoomsOptions<P>) {}

  /** Joins `name` (created on first join), or a new private room when `name` is undefined. */
  async join(name: string | undefined, peerName: string): Promise<{ room: Room<P>; peer: Peer }> {
    const key = name ?? `private-${randomBytes(9).toString("base64url")}`;
    let pending = this.rooms.get(key);
    if (!pending) {
      const created = this.create(key, name === undefined);
      pending = created;
      this.rooms.set(key, created);
      const forget = () => this.rooms.get(key) === created && this.rooms.delete(key);
      created.then((room) => room.observer.once("close", forget), forget);
    }
    const room = await pending;
    const peer = room.join(peerName);
    // The last one out closes the room (and its router); a later join makes a new one.
    peer.observer.once("close", () => {
      if (room.size > 0) return;
      if (this.rooms.get(key) === pending) this.rooms.delete(key);
      void room.close();
    });
    return { room, peer };
  }

  /** A viewer of an existing room (WHEP, overlays); not-found when nobody is in it. */
  async view(name: string, viewerName: string): Promise<{ room: Room<P>; peer: Peer }> {
    const pending = this.rooms.get(name);
    const room = pending && (await pending);
    if (!room || room.size === 0) throw new RequestError("not-found", `nobody is in room "${name}"`);
    return { room, peer: room.join(viewerName, "viewer") };
  }

  get count(): number {
    return this.rooms.size;
  }

  async close(): Promise<void> {
    const all = await Promise.allSettled(this.rooms.values());
    this.rooms.clear();
    await Promise.all(all.map((r) => (r.status === "fulfilled" ? r.value.close() : undefined)));
  }

  private async create(name: string, isPrivate: boolean): Promise<Room<P>> {
    const router = await this.options.pool.createRouter();
    const room = new Room<P>({
      name,
      router,
      maxPeers: isPrivate ? 1 : this.options.maxPeers,
      listenIp: this.options.listenIp,
      fit: isPrivate ? undefined : this.options.callFit,
      createProcessor: this.options.createProcessor,
    });
    return room;
  }
}
