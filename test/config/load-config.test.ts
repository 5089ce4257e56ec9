import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../server/config/load.js";

describe("loadConfig", () => {
  it("has the documented defaults", () => {
    const c = loadConfig({}, {});
    expect(c).toMatchObject({
      port: 8080,
      host: "0.0.0.0",
      ep: "cpu",
      threads: 2,
      engineWorkers: "auto",
      uploadLimit: 2 * 2 ** 30,
      jobConcurrency: 1,
    });
    expect(c.mediasoup).toMatchObject({ rtcMinPort: 40000, rtcMaxPort: 49999 });
    expect(c.mediasoup.announcedIp).toBeUndefined();
    expect(c.mediasoup.workerBin).toMatch(/\.deps\/mediasoup\/.*\/mediasoup-worker$/);
    expect(c.turn).toEqual({ urls: [], ttlS: 3600 });
    expect(c.live.sketchSize).toBe("auto");
  });

  it("reads SKETCHCAST_* variables and flags, flags first", () => {
    const env = {
      SKETCHCAST_PORT: "9000",
      SKETCHCAST_TURN_URLS: "turn:a:3478, turns:b:5349",
      MEDIASOUP_WORKER_BIN: "/opt/w",
    };
    const c = loadConfig(
      { port: "9100", "upload-limit": "500MB", "mediasoup-announced-ip": "203.0.113.7" },
      env,
    );
    expect(c.port).toBe(9100);
    expect(c.uploadLimit).toBe(500e6);
    expect(c.turn.urls).toEqual(["turn:a:3478", "turns:b:5349"]);
    expect(c.mediasoup).toMatchObject({ workerBin: "/opt/w", announcedIp: "203.0.113.7" });
    expect(loadConfig({ "engine-workers": "3" }, {}).engineWorkers).toBe(3);
    expect(loadConfig({}, { SKETCHCAST_ENGINE_WORKERS: "2" }).engineWorkers).toBe(2);
    expect(loadConfig({ "live-sketch-size": "960x540" }, {}).live.sketchSize).toEqual({
      width: 960,
      height: 540,
    });
  });

  it("takes an empty variable as unset, as compose files pass them", () => {
    const c = loadConfig({}, { SKETCHCAST_TURN_SECRET: "", SKETCHCAST_PORT: "" });
    expect(c.turn.secret).toBeUndefined();
    expect(c.port).toBe(8080);
  });

  it("says which flag or variable is wrong and what it expects", () => {
    const message = (flags: Record<string, string>, env: Record<string, string> = {}) => {
      try {
        loadConfig(flags, env);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      return "no error";
    };
    expect(message({ port: "abc" })).toBe('invalid --port "abc": expected an integer 1-65535');
    expect(message({}, { SKETCHCAST_THREADS: "1.5" })).toBe(
      'invalid SKETCHCAST_THREADS="1.5": expected an integer 1-256',
    );
    expect(message({ ep: "tpu" })).toBe('invalid --ep "tpu": expected one of cpu, webgpu, cuda');
    expect(message({ "upload-limit": "lots" })).toMatch(/^invalid --upload-limit "lots": expected a size/);
    expect(message({ "live-sketch-size": "big" })).toBe(
      'invalid --live-sketch-size "big": expected auto or a size WIDTHxHEIGHT, e.g. 640x360',
    );
    expect(message({ "live-sketch-size": "8x8" })).toMatch(/^invalid --live-sketch-size "8x8"/);
    expect(message({ "mediasoup-rtc-min-port": "50000" })).toBe(
      'invalid --mediasoup-rtc-min-port "50000": rtc-min-port must not be above rtc-max-port',
    );
  });
});
