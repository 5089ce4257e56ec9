// Debian's Chromium driven by playwright-core, headless, with a fresh profile per launch.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

export interface Browser {
  context: BrowserContext;
  close: () => Promise<void>;
}

/** `extraArgs`: more Chromium flags, e.g. a fake camera (fake-camera.ts). */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), "sketchcast-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...extraArgs,
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
