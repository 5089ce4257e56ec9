// Raw rgb24 frames from ffmpeg's lavfi sources, for feeding the engine directly.
import { spawnFfmpeg } from "../../server/ffmpeg/ffmpeg.js";

/** `count` frames of a lavfi source (e.g. "testsrc2", "mandelbrot") at width×height. */
export function lavfiFrames(
  source: string,
  width: number,
  height: number,
  count: number,
): Promise<Uint8Array[]> {
  const input = ["-f", "lavfi", "-i", `${source}=size=${width}x${height}:rate=30`];
  return rawFrames([...input, "-frames:v", String(count)], "rgb24", width * height * 3);
}

/** Every frame of a media file, decoded to `pixFmt` (e.g. "rgb24", "gray") frames of `frameBytes`. */
export function fileFrames(path: string, pixFmt: string, frameBytes: number): Promise<Uint8Array[]> {
  return rawFrames(["-i", path], pixFmt, frameBytes);
}

async function rawFrames(input: string[], pixFmt: string, frameBytes: number): Promise<Uint8Array[]> {
  const ff = spawnFfmpeg([...input, "-f", "rawvideo", "-pix_fmt", pixFmt, "pipe:1"], { name: "test frames" });
  ff.stdin.end();
  const chunks: Buffer[] = [];
  ff.stdout.on("data", (c: Buffer) => chunks.push(c));
  await ff.wait();
  const all = Buffer.concat(chunks);
  const count = Math.floor(all.length / frameBytes);
  return Array.from(
    { length: count },
    (_, i) => new Uint8Array(all.subarray(i * frameBytes, (i + 1) * frameBytes)),
  );
}

/** The top-left w×h of an rgb24 frame `fw` pixels wide. */
export function cropRgb(frame: Uint8Array, fw: number, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) out.set(frame.subarray(y * fw * 3, (y * fw + w) * 3), y * w * 3);
  return out;
}

/** A PNG (e.g. a screenshot with a transparent background) as RGBA pixels, decoded by ffmpeg. */
export async function decodePngRgba(png: Buffer, width: number, height: number): Promise<Uint8Array> {
  const ff = spawnFfmpeg(["-f", "png_pipe", "-i", "pipe:0", "-f", "rawvideo", "-pix_fmt", "rgba", "pipe:1"], {
    name: "test png",
  });
  const chunks: Buffer[] = [];
  ff.stdout.on("data", (c: Buffer) => chunks.push(c));
  ff.stdin.end(png);
  await ff.wait();
  const all = Buffer.concat(chunks);
  if (all.length !== width * height * 4)
    throw new Error(`decoded ${all.length} bytes, expected ${width}x${height} RGBA`);
  return new Uint8Array(all);
}
