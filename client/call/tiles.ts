// The call's grid: one tile per participant (your own first), each with its sketch video, its
// sound, its name and "camera off" / "muted" / "slow" badges. The grid's `data-count` picks the
// layout.

/** Below this many frames a second a tile says so: the server is drawing it slowly (busy). */
const slowFps = 15;

export interface TileInfo {
  peerId: string;
  name: string;
  self: boolean;
  videoWidth: number;
  videoHeight: number;
  /** Frames the tile's video presented so far. */
  framesDecoded: number;
  /** Their microphone is playing here (never for your own tile). */
  audio: boolean;
  badges: string[];
  /** The line over the video, if any ("Your camera is not sketched …"). */
  note: string;
}

export class Tile {
  readonly element: HTMLElement;
  private readonly video: HTMLVideoElement;
  private readonly audio: HTMLAudioElement;
  private readonly label: HTMLElement;
  private readonly note: HTMLElement;
  private readonly badges = new Map<"camera" | "mic" | "slow", HTMLElement>();
  private videoTrack: MediaStreamTrack | undefined;
  private frames = 0;

  constructor(
    /** Yours changes with every (re)join. */
    public peerId: string,
    public name: string,
    readonly self: boolean,
  ) {
    this.element = document.createElement("figure");
    this.element.className = self ? "tile self" : "tile";
    this.element.dataset.peerId = peerId;
    this.video = document.createElement("video");
    this.video.autoplay = true;
    this.video.muted = true;
    this.video.playsInline = true;
    this.audio = document.createElement("audio");
    this.audio.autoplay = true;
    this.note = document.createElement("p");
    this.note.className = "tile-note";
    this.note.hidden = true;
    const caption = document.createElement("figcaption");
    this.label = document.createElement("span");
    this.label.className = "tile-name";
    const badges = document.createElement("span");
    badges.className = "badges";
    for (const [key, text] of [
      ["camera", "camera off"],
      ["mic", "muted"],
      ["slow", "slow"],
    ] as const) {
      const b = document.createElement("span");
      b.className = `badge badge-${key}`;
      b.textContent = text;
      b.hidden = true;
      this.badges.set(key, b);
      badges.append(b);
    }
    caption.append(this.label, badges);
    this.element.append(this.video, this.audio, this.note, caption);
    this.setName(name);
    this.showVideo(undefined);
    this.watchFrameRate();
  }

  /** Every 2 s: the frames shown; a drawn camera under slowFps gets the "slow" badge with its rate. */
  private watchFrameRate(): void {
    const count = () => {
      this.frames++;
      this.video.requestVideoFrameCallback(count);
    };
    this.video.requestVideoFrameCallback(count);
    const timer = setInterval(() => {
      if (!this.element.isConnected) return clearInterval(timer);
      const fps = this.frames / 2;
      this.frames = 0;
      // (before the first frame it is starting, not slow)
      const drawing = this.videoTrack !== undefined && this.video.videoWidth > 0;
      const slow = drawing && !this.element.classList.contains("camera-off") && fps < slowFps;
      const badge = this.badges.get("slow");
      if (badge) {
        badge.textContent = `slow: ${Math.round(fps)} fps`;
        badge.title =
          "This camera reaches you at fewer frames a second: a busy server, a slow connection or a slow camera";
        badge.hidden = !slow;
      }
    }, 2000);
  }

  setName(name: string): void {
    this.name = name;
    this.label.textContent = this.self ? `${name} (you)` : name;
  }

  /** The sketch to show, or none (a placeholder with the name's initial). */
  showVideo(track: MediaStreamTrack | undefined): void {
    this.videoTrack = track;
    this.video.srcObject = track ? new MediaStream([track]) : null;
    this.element.classList.toggle("no-video", !track);
    this.element.dataset.initial = (this.name.trim()[0] ?? "?").toUpperCase();
  }

  hasVideo(track: MediaStreamTrack): boolean {
    return this.videoTrack === track;
  }

  /** Their microphone; resolves false when the browser would not play sound without a click. */
  async playAudio(track: MediaStreamTrack | undefined): Promise<boolean> {
    this.audio.srcObject = track ? new MediaStream([track]) : null;
    if (!track) return true;
    // Only a refusal is worth a button; an interrupted play() (a newer track) is not.
    return this.audio.play().then(
      () => true,
      (err: unknown) => !(err instanceof DOMException && err.name === "NotAllowedError"),
    );
  }

  /** After a click: try the sound again. */
  resumeAudio(): Promise<void> {
    return this.audio.srcObject ? this.audio.play() : Promise.resolve();
  }

  setBadge(which: "camera" | "mic", on: boolean): void {
    const b = this.badges.get(which);
    if (b) b.hidden = !on;
    this.element.classList.toggle(`${which}-off`, on);
  }

  /** A line over the video ("Not sketched: the server is full"), or none. */
  setNote(text: string): void {
    this.note.textContent = text;
    this.note.hidden = text === "";
  }

  info(): TileInfo {
    return {
      peerId: this.peerId,
      name: this.name,
      self: this.self,
      videoWidth: this.video.videoWidth,
      videoHeight: this.video.videoHeight,
      framesDecoded: this.video.getVideoPlaybackQuality().totalVideoFrames,
      audio: this.audio.srcObject !== null && !this.audio.paused,
      badges: [...this.badges.values()].filter((b) => !b.hidden).map((b) => b.textContent ?? ""),
      note: this.note.hidden ? "" : (this.note.textContent ?? ""),
    };
  }

  remove(): void {
    this.video.srcObject = null;
    this.audio.srcObject = null;
    this.element.remove();
  }
}

/** The tiles on the page, your own first. */
export class TileGrid {
  /** Everyone else's, by peer id. */
  private readonly others = new Map<string, Tile>();
  private own: Tile | undefined;

  constructor(private readonly grid: HTMLElement) {}

  /** Your own tile, made on first use. */
  self(name: string): Tile {
    if (!this.own) {
      this.own = new Tile("", name, true);
      this.grid.prepend(this.own.element);
      this.layout();
    }
    return this.own;
  }

  get(peerId: string): Tile | undefined {
    return this.others.get(peerId);
  }

  /** The tile of `peerId`, made if it is not there yet. */
  ensure(peerId: string, name: string): Tile {
    let tile = this.others.get(peerId);
    if (!tile) {
      tile = new Tile(peerId, name, false);
      this.others.set(peerId, tile);
      this.grid.append(tile.element);
      this.layout();
    }
    return tile;
  }

  remove(peerId: string): void {
    this.others.get(peerId)?.remove();
    this.others.delete(peerId);
    this.layout();
  }

  /** Everyone else's tiles (a rejoin starts them over); `all`: yours too. */
  clear(all = false): void {
    for (const peerId of [...this.others.keys()]) this.remove(peerId);
    if (all) {
      this.own?.remove();
      this.own = undefined;
      this.layout();
    }
  }

  all(): Tile[] {
    return [...(this.own ? [this.own] : []), ...this.others.values()];
  }

  private layout(): void {
    this.grid.dataset.count = String(this.others.size + (this.own ? 1 : 0));
  }
}
