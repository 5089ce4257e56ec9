// A fake camera for Chromium: a y4m clip made with ffmpeg (colourful, moving testsrc2), played in a
// loop as the only video input, with the permission prompt answered yes.
import { type ClipOptions, makeClip } from "./media.js";

export async function makeFakeCamera(path: string, opts: Omit<ClipOptions, "audio"> = {}): Promise<void> {
  await makeClip(path, { seconds: 4, ...opts, audio: false });
}

/** Chromium flags that make `y4m` the camera. */
export function fakeCameraArgs(y4m: string): string[] {
  return [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    `--use-file-for-fake-video-capture=${y4m}`,
  ];
}
