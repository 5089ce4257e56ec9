// One live test file's rig: a fake camera clip, one or more servers, and a Chromium whose camera is
// that clip; set up before the file's tests and torn down after them.
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { type Browser, launchChromium } from "./chromium.js";
import { fakeCameraArgs, makeFakeCamera } from "./fake-camera.js";
import type { ClipOptions } from "./media.js";
import { type RunningServer, removeDataDir, type StartOptions, startServer } from "./server.js";

export interface LiveRig {
  /** The first server. */
  server: RunningServer;
  /** One per entry of `servers`, in that order. */
  servers: RunningServer[];
  browser: Browser;
}

/**
 * Call at a test file's top level; the fields are set once `beforeAll` has run. `servers`: how to
 * start each server (default: one with the defaults); they share the one Chromium. `camera`: the
 * clip's size (default 640x360).
 */
export function useLiveRig(
  name: string,
  servers: StartOptions[] = [{}],
  camera: Pick<ClipOptions, "width" | "height"> = {},
): LiveRig {
  const clip = join(tmpdir(), `sketchcast-live-${name}-${process.pid}.y4m`);
  const rig = { servers: [] as RunningServer[] } as Partial<LiveRig> & { servers: RunningServer[] };
  beforeAll(
    async () => {
      await makeFakeCamera(clip, camera);
      // One after the other: starting Node, tsx and the model is CPU-bound on a small box.
      for (const options of servers) rig.servers.push(await startServer(options));
      rig.server = rig.servers[0];
      rig.browser = await launchChromium(fakeCameraArgs(clip));
    },
    60_000 + 60_000 * servers.length,
  );
  afterAll(async () => {
    await rig.browser?.close().catch(() => {}); // a test may have killed it
    for (const server of rig.servers) {
      await server.stop();
      await removeDataDir(server.dataDir);
    }
    await rm(clip, { force: true });
  });
  return rig as LiveRig;
}
