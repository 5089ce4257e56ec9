import { randomBytes } from "node:crypto";
import type { Peer } from "../../media/peer.js";
import type { Room } from "../../media/room.js";

export interface HttpSession {
  id: string;
  kind: "whip" | "whep";
  room: Room;
  peer: Peer;
}

/**
 * The WHIP publishers and WHEP viewers by session id (the last part of their `Location`). A
 * session is its peer: it leaves the registry when the peer closes, for whatever reason.
 */
export class HttpSessions {
  private readonly sessions = new Map<string, HttpSession>();

  add(kind: HttpSession["kind"], room: Room, peer: Peer): HttpSession {
    const session = { id: randomBytes(12).toString("base64url"), kind, room, peer };
    this.sessions.set(session.id, session);
    peer.observer.once("close", () => this.sessions.delete(session.id));
    return session;
  }

  get(kind: HttpSession["kind"], room: string, id: string): HttpSession | undefined {
    const s = this.sessions.get(id);
    return s && s.kind === kind && s.room.name === room ? s : undefined;
  }

  /** The room's WHIP publisher that joined first (what an overlay shows by default). */
  publisherOf(room: Room): Peer | undefined {
    for (const s of this.sessions.values()) if (s.kind === "whip" && s.room === room) return s.peer;
    return undefined;
  }

  closeAll(): void {
    for (const s of [...this.sessions.values()]) s.peer.close();
  }
}
