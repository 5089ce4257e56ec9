// One live test file's rig: a fake camera clip, a server, and a Chromium whose camera is that clip;
// set up before the file's tests and torn down after them.
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { type Browser, launchChromium } from "./chromium.js";
import { fakeCameraArgs, makeFakeCamera } from "./fake-camera.js";
import { type RunningServer, removeDataDir, startServer } from "./server.js";

export interface LiveRig {
  server: RunningServer;
  browser: Browser;
}

/** Call at a test file's top level; the fields are set once `beforeAll` has run. */
export function useLiveRig(name: string): LiveRig {
  const camera = join(tmpdir(), `sketchcast-live-${name}-${process.pid}.y4m`);
  const rig = {} as Partial<LiveRig>;
  beforeAll(async () => {
    await makeFakeCamera(camera);
    rig.server = await startServer();
    rig.browser = await launchChromium(fakeCameraArgs(camera));
  }, 120_000);
  afterAll(async () => {
    await rig.browser?.close().catch(() => {}); // a test may have killed it
    await rig.server?.stop();
    if (rig.server) await removeDataDir(rig.server.dataDir);
    await rm(camera, { force: true });
  });
  return rig as LiveRig;
}
