import { createSocket } from "node:dgram";

function tryBind(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket("udp4");
    socket.once("error", () => {
      socket.close();
      resolve(undefined);
    });
    socket.bind(port, "127.0.0.1", () => {
      const bound = socket.address().port;
      socket.close(() => resolve(bound));
    });
  });
}

/**
 * An even loopback UDP port whose successor is free too: ffmpeg's RTP input and output bind the
 * port for RTP and the next one for RTCP. Free a moment ago; on loopback the race is acceptable.
 */
export async function freeUdpPortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const any = await tryBind(0);
    if (any === undefined) continue;
    const port = any & ~1;
    if ((await tryBind(port)) === port && (await tryBind(port + 1)) === port + 1) return port;
  }
  throw new Error("no free loopback UDP port pair");
}

/** Resolves once some process has bound the loopback UDP port (binding it ourselves fails). */
export async function waitForUdpListener(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await tryBind(port)) === port) {
    if (Date.now() > deadline) throw new Error(`nothing listens on UDP port ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
