// A WHEP player (draft-ietf-wish-whep) that never gives up: it asks for the room's sketch, plays
// it while frames come, and when the stream or the server goes away it asks again (every 2 s)
// until they are back. No trickle: the server is ICE-lite and its answer has its candidates.

const retryMs = 2000;
/** No new frame for this long (or none within firstFrameMs of connecting): the stream is gone. */
const stallMs = 4000;
const firstFrameMs = 10_000;

export type PlayerState = "waiting" | "playing";

export class WhepPlayer {
  private stopped = false;

  constructor(
    private readonly url: string,
    private readonly token: string | undefined,
    private readonly video: HTMLVideoElement,
    private readonly onState: (state: PlayerState, why: string) => void,
  ) {}

  async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.playOnce();
      } catch (err) {
        this.onState("waiting", err instanceof Error ? err.message : String(err));
      }
      await new Promise((r) => setTimeout(r, retryMs));
    }
  }

  stop(): void {
    this.stopped = true;
  }

  /** One WHEP session, from the offer until its stream ends. */
  private async playOnce(): Promise<void> {
    const pc = new RTCPeerConnection();
    let resource: string | undefined;
    try {
      pc.addTransceiver("video", { direction: "recvonly" });
      pc.ontrack = (e) => {
        this.video.srcObject = new MediaStream([e.track]);
      };
      await pc.setLocalDescription(await pc.createOffer());
      const res = await fetch(this.url, {
        method: "POST",
        headers: {
          "content-type": "application/sdp",
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        },
        body: pc.localDescription?.sdp,
      });
      const body = await res.text();
      if (res.status !== 201) throw new Error(`${res.status}: ${body}`);
      resource = new URL(res.headers.get("location") ?? "", this.url).href;
      await pc.setRemoteDescription({ type: "answer", sdp: body });
      await this.watch(pc);
    } finally {
      pc.close();
      this.video.srcObject = null;
      if (resource) void fetch(resource, { method: "DELETE" }).catch(() => undefined);
    }
  }

  /** Resolves when the stream has ended: the connection failed, or frames stopped coming. */
  private watch(pc: RTCPeerConnection): Promise<void> {
    return new Promise((resolve) => {
      let last = performance.now() + firstFrameMs - stallMs;
      let playing = false;
      const onFrame = () => {
        last = performance.now();
        if (!playing) {
          playing = true;
          this.onState("playing", "");
        }
        if (!done) this.video.requestVideoFrameCallback(onFrame);
      };
      let done = false;
      const end = (why: string) => {
        if (done) return;
        done = true;
        clearInterval(timer);
        this.onState("waiting", why);
        resolve();
      };
      this.video.requestVideoFrameCallback(onFrame);
      const timer = setInterval(() => {
        if (pc.connectionState === "failed" || pc.connectionState === "closed")
          end(`connection ${pc.connectionState}`);
        else if (performance.now() - last > stallMs) end("no frames");
      }, 500);
    });
  }
}
