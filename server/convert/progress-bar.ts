// Conversion progress on the terminal: a one-line bar redrawn with \r on a TTY, plain lines
// (one every 2 s, none for short runs) when stderr is a pipe or a file.
import type { ConvertProgress } from "./convert-file.js";

const width = 24;
const plainEveryMs = 2000;

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export class ProgressBar {
  private lastPlain = Date.now();
  private drawn = false;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  update(p: ConvertProgress): void {
    const share = p.totalFrames ? Math.min(1, p.frames / p.totalFrames) : undefined;
    const count = p.totalFrames ? `${p.frames}/${p.totalFrames} frames` : `${p.frames} frames`;
    const eta = p.etaSeconds !== undefined ? `  ETA ${clock(p.etaSeconds)}` : "";
    const stats = `${count}  ${p.fps.toFixed(1)} fps${eta}`;
    if (this.out.isTTY) {
      const filled = Math.round((share ?? 0) * width);
      const bar =
        share === undefined
          ? ""
          : `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${Math.floor(share * 100)}%  `;
      this.out.write(`\r${bar}${stats}\x1b[K`);
      this.drawn = true;
    } else if (Date.now() - this.lastPlain >= plainEveryMs) {
      this.lastPlain = Date.now();
      this.out.write(`converting: ${stats}${share === undefined ? "" : ` (${Math.floor(share * 100)}%)`}\n`);
    }
  }

  /** Ends the bar's line so the next output starts on a fresh one. */
  done(): void {
    if (this.drawn) this.out.write("\n");
    this.drawn = false;
  }
}
