// `sketchcast serve`: the engine, the HTTP/socket.io server and the features, and a graceful
// shutdown on SIGTERM/SIGINT that ends all of them (features, sockets, HTTP, ffmpegs, ORT).
import { pathToFileURL } from "node:url";
import { engineOptions } from "./config/engine-options.js";
import type { Config } from "./config/schema.js";
import { SketchEngine } from "./engine/index.js";
import { killAllFfmpeg } from "./ffmpeg/ffmpeg.js";
import { registerFrames } from "./frames/register-frames.js";
import { createServer, type Feature } from "./http/server.js";
import { registerJobs } from "./jobs/index.js";
import { registerLive } from "./live/register-live.js";
import { createLogger } from "./log.js";

/** Every feature of the server, registered in this order. */
const features: Feature[] = [registerJobs, registerLive, registerFrames];

export async function serve(config: Config): Promise<void> {
  const log = createLogger(config.logLevel);
  const engine = await SketchEngine.create(engineOptions(config, log));
  const server = await createServer(config, { engine, log });
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ why }, "shutting down");
    // A second signal, or a shutdown that hangs, ends the process anyway.
    const force = setTimeout(() => process.exit(1), 10_000).unref();
    try {
      await server.close();
      await killAllFfmpeg();
      await engine.close();
    } finally {
      clearTimeout(force);
    }
  };
  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    process.once(
      sig,
      () =>
        void stop(sig).then(
          () => process.exit(0),
          () => process.exit(1),
        ),
    );
  }
  try {
    for (const feature of features) await feature(server);
    const address = await server.listen();
    log.info({ address, ep: engine.ep }, "sketchcast serving");
  } catch (err) {
    await stop("startup failed");
    throw err;
  }
}

// Run directly (`node dist/server/main.js`, `node --import tsx server/main.ts`), this is
// `sketchcast serve` with the same flags.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await import("./cli.js");
