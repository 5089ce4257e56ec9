// Builds the web pages (vite, client/vite.config.ts → dist/client) once per test process, so
// browser tests never run against a stale build.
import { join } from "node:path";
import { build } from "vite";
import { repoRoot } from "../../server/paths.js";

let built: Promise<unknown> | undefined;

export function buildClient(): Promise<unknown> {
  built ??= build({ configFile: join(repoRoot, "client", "vite.config.ts"), logLevel: "warn" });
  return built;
}
