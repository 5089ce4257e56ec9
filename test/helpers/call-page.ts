// Driving the call page (client/call.html) in Chromium: open it in a room, read its tiles.
import { connect, createServer, type Socket } from "node:net";
import type { BrowserContext, Page } from "playwright-core";
import type { TileInfo } from "../../client/call/tiles.js";

export type { TileInfo };

interface CallHandle {
  peerId: string;
  tiles: () => TileInfo[];
  leave: () => void;
}

/** Opens `/call.html?room=…&name=…` (it starts the camera and joins at once). */
export async function openCall(context: BrowserContext, baseUrl: string, room: string, name: string) {
  const page = await context.newPage();
  await page.goto(`${baseUrl}/call.html?room=${encodeURIComponent(room)}&name=${encodeURIComponent(name)}`);
  return page;
}

export async function tiles(page: Page): Promise<TileInfo[]> {
  return page.evaluate(() => {
    const call = (window as unknown as { sketchcastCall?: CallHandle }).sketchcastCall;
    return call ? call.tiles() : [];
  });
}

export async function pageMessage(page: Page): Promise<string> {
  return page.evaluate(() => {
    const m = document.getElementById("message") as HTMLElement;
    return m.hidden ? "" : (m.textContent ?? "");
  });
}

/**
 * Waits until the page's tiles are exactly you plus `others` (by name), each one's video showing
 * pictures; rejects after `timeoutMs` with what the page shows instead.
 */
export async function waitForTiles(page: Page, others: string[], timeoutMs = 60_000): Promise<TileInfo[]> {
  const want = [...others].sort().join(",");
  const started = Date.now();
  let last: TileInfo[] = [];
  while (Date.now() - started < timeoutMs) {
    last = await tiles(page);
    const names = last
      .filter((t) => !t.self)
      .map((t) => t.name)
      .sort()
      .join(",");
    if (
      names === want &&
      last.some((t) => t.self) &&
      last.every((t) => t.videoWidth > 0 && t.framesDecoded > 0)
    )
      return last;
    await page.waitForTimeout(250);
  }
  throw new Error(
    `tiles not as expected (want you + [${want}]) after ${timeoutMs} ms: ${JSON.stringify(last)}; page says "${await pageMessage(page)}"`,
  );
}

/** Waits until no tile is named `name`; resolves with the ms it took. */
export async function waitForTileGone(page: Page, name: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (!(await tiles(page)).some((t) => t.name === name)) return Date.now() - started;
    await page.waitForTimeout(100);
  }
  throw new Error(`${name}'s tile still there after ${timeoutMs} ms: ${JSON.stringify(await tiles(page))}`);
}

/** The page's own peer id in the room. */
export async function peerId(page: Page): Promise<string> {
  return page.evaluate(() => (window as unknown as { sketchcastCall: CallHandle }).sketchcastCall.peerId);
}

export interface CuttableProxy {
  /** The proxy's base URL: open pages here instead of the server's. */
  url: string;
  /** A lost network: every connection dropped, none accepted for `ms`. */
  cut: (ms: number) => Promise<void>;
  close: () => Promise<void>;
}

/**
 * A TCP proxy in front of the server's HTTP port (pages, token, socket.io), to lose the connection
 * without stopping the server. WebRTC media goes to the server directly and is left alone.
 */
export async function startCuttableProxy(target: string): Promise<CuttableProxy> {
  const to = new URL(target);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(to.port), to.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {});
    }
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        const addr = server.address();
        resolve(typeof addr === "object" && addr ? addr.port : port);
      });
    });
  const stop = () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of sockets) s.destroy();
    return closed;
  };
  const port = await listen(0);
  return {
    url: `http://127.0.0.1:${port}`,
    cut: async (ms) => {
      await stop();
      await new Promise((r) => setTimeout(r, ms));
      await listen(port);
    },
    close: stop,
  };
}
