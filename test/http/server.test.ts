// The HTTP foundation in-process: /healthz, /metrics on the shared registry, socket.io on the same
// port, and close hooks run latest first.

import { io as connect } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config/load.js";
import type { SketchEngine } from "../../server/engine/index.js";
import { createServer, type SketchServer } from "../../server/http/server.js";
import { createLogger } from "../../server/log.js";
import { openEngine } from "../helpers/engine.js";
import { freePort } from "../helpers/server.js";

let engine: SketchEngine;
let server: SketchServer;
let url: string;
const closed: string[] = [];

beforeAll(async () => {
  ({ engine } = await openEngine());
  const config = loadConfig({ port: String(await freePort()), host: "127.0.0.1" }, {});
  server = await createServer(config, { engine, log: createLogger("silent") });
  server.onClose(() => void closed.push("first"));
  server.onClose(async () => void closed.push("second"));
  server.io
    .of("/echo")
    .on("connection", (s) => s.on("ping", (v: number, ack: (v: number) => void) => ack(v + 1)));
  url = await server.listen();
});
afterAll(() => engine.close());

describe("createServer", () => {
  it("GET /healthz", async () => {
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok", engine: { ep: "cpu" } });
  });

  it("GET /metrics: process defaults and the engine's figures", async () => {
    const s = engine.createStream();
    await s.process(new Uint8Array(32 * 32 * 3), 32, 32);
    s.close();
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^sketchcast_frames_processed_total [1-9]/m);
    expect(text).toMatch(/^sketchcast_engine_frame_ms_count [1-9]/m);
    expect(text).toMatch(/^sketchcast_engine_execution_provider\{ep="cpu"\} 1$/m);
  });

  it("socket.io shares the port", async () => {
    const socket = connect(`${url}/echo`, { transports: ["websocket"] });
    try {
      expect(await socket.emitWithAck("ping", 41)).toBe(42);
    } finally {
      socket.close();
    }
  });

  it("close runs the hooks latest first and stops listening", async () => {
    await server.close();
    expect(closed).toEqual(["second", "first"]);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
