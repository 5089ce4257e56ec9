// A fake camera for Chromium: a y4m clip made with ffmpeg (colourful, moving testsrc2), played in a
// loop as the only video input, with the permission prompt answered yes.
import { spawnFfmpeg } from "../../server/ffmpeg/ffmpeg.js";

export interface FakeCameraOptions {
  width?: number;
  height?: number;
  fps?: number;
  seconds?: number;
}

export async function makeFakeCamera(path: string, opts: FakeCameraOptions = {}): Promise<void> {
  const { width = 640, height = 360, fps = 30, seconds = 4 } = opts;
  const source = `testsrc2=size=${width}x${height}:rate=${fps}:duration=${seconds}`;
  await spawnFfmpeg(["-y", "-f", "lavfi", "-i", source, "-pix_fmt", "yuv420p", path], {
    name: "fake camera",
  }).wait();
}

/** Chromium flags that make `y4m` the camera. */
export function fakeCameraArgs(y4m: string): string[] {
  return [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    `--use-file-for-fake-video-capture=${y4m}`,
  ];
}
