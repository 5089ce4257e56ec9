import { loadConfig } from "../server/config/load.js";
import type { Config } from "../server/config/schema.js";

/**
 * The server's configuration for a bench that runs the live pipeline in-process (model, ep,
 * threads, a mediasoup worker per core; SKETCHCAST_* may change them), on its own 1000 WebRTC ports
 * from `rtcMinPort`, apart from a server (or another bench) that may be running on this box.
 */
export function benchConfig(rtcMinPort: number): Config {
  return loadConfig(
    {},
    {
      SKETCHCAST_MEDIASOUP_RTC_MIN_PORT: String(rtcMinPort),
      SKETCHCAST_MEDIASOUP_RTC_MAX_PORT: String(rtcMinPort + 999),
      ...process.env,
    },
  );
}
