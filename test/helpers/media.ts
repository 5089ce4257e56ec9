// Test media made with ffmpeg's lavfi sources (no binary fixtures in the repo), plus the broken
// inputs the bad-input tests need.
import { open, readFile, writeFile } from "node:fs/promises";
import { spawnFfmpeg } from "../../server/ffmpeg/ffmpeg.js";

export interface ClipOptions {
  seconds?: number;
  width?: number;
  height?: number;
  fps?: number;
  /** Add a sine tone as an AAC (mp4/mkv) or Opus (webm) track. Default true. */
  audio?: boolean;
}

/** A testsrc2 clip (moving pattern; good for flow) with a sine tone, in the container `path` names. */
export async function makeClip(path: string, opts: ClipOptions = {}): Promise<void> {
  const { seconds = 3, width = 640, height = 360, fps = 30, audio = true } = opts;
  const args = [
    "-y",
    "-f",
    "lavfi",
    "-i",
    `testsrc2=size=${width}x${height}:rate=${fps}:duration=${seconds}`,
  ];
  if (audio) args.push("-f", "lavfi", "-i", `sine=frequency=440:sample_rate=48000:duration=${seconds}`);
  args.push("-pix_fmt", "yuv420p");
  if (path.endsWith(".mp4")) args.push("-c:v", "libx264", "-preset", "veryfast");
  if (audio) args.push("-shortest");
  args.push(path);
  await spawnFfmpeg(args, { name: "test clip" }).wait();
}

/** A still picture (PNG) of the test pattern. */
export async function makeStill(path: string, width = 320, height = 180): Promise<void> {
  await spawnFfmpeg(["-y", "-f", "lavfi", "-i", `testsrc2=size=${width}x${height}`, "-frames:v", "1", path], {
    name: "test still",
  }).wait();
}

/** Copies the first `fraction` of a file: an mp4 written without faststart loses its index (moov). */
export async function truncateCopy(from: string, to: string, fraction = 0.5): Promise<void> {
  const data = await readFile(from);
  await writeFile(to, data.subarray(0, Math.floor(data.length * fraction)));
}

/**
 * A y4m file whose header claims an absurd frame size, followed by a few bytes (a hostile or
 * broken upload: probing reads the header, nothing should ever allocate the frame).
 */
export async function writeHugeY4m(path: string, width = 20_000, height = 20_000): Promise<void> {
  const fh = await open(path, "w");
  await fh.writeFile(`YUV4MPEG2 W${width} H${height} F30:1 Ip A1:1 C420jpeg\nFRAME\n`);
  await fh.write(Buffer.alloc(4096, 128));
  await fh.close();
}
