// The browser side of the `/live` connection, shared by the preview and the call page: a one-time
// session token, the socket.io connection with its error messages, typed requests with their acks
// (server/signaling/socketio/messages.ts), and mediasoup's Device with its send/receive transports.
import { Device, type types } from "mediasoup-client";
import { io, type Socket } from "socket.io-client";
import type {
  Ack,
  ErrorCode,
  LiveClientEvents,
  LiveServerEvents,
  Request,
  RequestName,
  Responses,
} from "../../server/signaling/socketio/messages.js";

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

export type LiveSocket = Socket<LiveServerEvents, LiveClientEvents>;

/** How long a request waits for its ack. */
const requestTimeoutMs = 10_000;

/** A one-time token from the server; asked for again on every (re)connect. */
export async function sessionToken(): Promise<string> {
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

export interface ConnectOptions {
  /**
   * Let socket.io reconnect by itself after a lost connection (default true). A page that rebuilds
   * its whole session after a loss (the call page) turns it off and reconnects itself.
   */
  reconnection?: boolean;
}

/** One `/live` connection: requests, server events, and the mediasoup side once `loadDevice` ran. */
export class LiveConnection {
  readonly device = new Device();
  private iceServers: RTCIceServer[] = [];
  private readonly transports = new Set<types.Transport>();

  private constructor(readonly socket: LiveSocket) {}

  /** Takes a token and opens the socket; rejects with a message a person can act on. */
  static async open(options: ConnectOptions = {}): Promise<LiveConnection> {
    await sessionToken();
    const socket: LiveSocket = io("/live", {
      auth: (cb) =>
        void sessionToken().then(
          (token) => cb({ token }),
          () => cb({}),
        ),
      transports: ["websocket"],
      reconnection: options.reconnection ?? true,
      // A fresh Manager per connection: a page that reconnects itself must not reuse a closed one.
      forceNew: true,
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
    return new LiveConnection(socket);
  }

  /** One request with its ack; rejects with the server's error message and code. */
  request<K extends RequestName>(name: K, payload: Request<K>): Promise<Responses[K]> {
    return new Promise((resolve, reject) => {
      const emit = this.socket.timeout(requestTimeoutMs).emit as unknown as (
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

  /** Loads the router's capabilities into the Device and keeps the ICE servers (TURN) to use. */
  async loadDevice(): Promise<void> {
    const { rtpCapabilities, iceServers } = await this.request("routerCapabilities", {});
    // The server's mediasoup 3.8 and mediasoup-client 3.24 type the same JSON slightly differently
    // (optional fields, `ip` vs `address` on candidates, which the client reads either way).
    await this.device.load({ routerRtpCapabilities: rtpCapabilities as types.RtpCapabilities });
    this.iceServers = iceServers;
  }

  /**
   * A transport on the server and its browser side, connected (DTLS) on first use. A send
   * transport's `produce` event is left to the caller, who knows what it sends.
   */
  async createTransport(direction: "send" | "recv"): Promise<types.Transport> {
    const info = await this.request("createTransport", { direction });
    const options = { ...info, iceServers: this.iceServers } as types.TransportOptions;
    const t =
      direction === "send"
        ? this.device.createSendTransport(options)
        : this.device.createRecvTransport(options);
    t.on("connect", ({ dtlsParameters }, callback, errback) => {
      this.request("connectTransport", { transportId: t.id, dtlsParameters }).then(() => callback(), errback);
    });
    this.transports.add(t);
    return t;
  }

  /** Consumes `producerId` on `recv` and resumes it (consumers start paused on the server). */
  async consume(recv: types.Transport, producerId: string): Promise<types.Consumer> {
    const info = await this.request("consume", {
      transportId: recv.id,
      producerId,
      rtpCapabilities: this.device.rtpCapabilities,
    });
    const consumer = await recv.consume(info as types.ConsumerOptions);
    await this.request("resume", { kind: "consumer", id: consumer.id });
    return consumer;
  }

  /** Closes the transports (and with them their producers and consumers) and the socket. */
  close(): void {
    for (const t of this.transports) t.close();
    this.transports.clear();
    this.socket.close();
  }
}
