import type { types } from "mediasoup";
import type { SketchEngine } from "../engine/index.js";
import type { Logger } from "../log.js";
import { PassthroughStream } from "./passthrough-stream.js";
import type { Handlers, Parsed } from "./signaling-handler.js";
import type { IceServer, Responses } from "./signaling-messages.js";
import { SketchPipeline } from "./sketch-pipeline.js";

export interface PeerOptions {
  router: types.Router;
  engine: SketchEngine;
  listenIp: types.TransportListenIp;
  iceServers: IceServer[];
  log: Logger;
  /** Called when one of this peer's pipelines ends on its own (its producer closed). */
  onPipelineClosed(producerId: string): void;
}

/** Caps per connection, so one client cannot exhaust ports or CPU. */
const maxTransports = 4;
const maxProducers = 2;

/**
 * One `/live` connection's mediasoup objects: its transports, camera producers (each with its
 * sketch pipeline) and consumers. close() ends all of them, ffmpegs included.
 */
export class LivePeer {
  private readonly transports = new Map<string, types.WebRtcTransport>();
  private readonly producers = new Map<string, types.Producer>();
  private readonly consumers = new Map<string, types.Consumer>();
  private readonly pipelines = new Map<string, SketchPipeline>();
  private closed = false;

  constructor(private readonly options: PeerOptions) {}

  readonly handlers: Handlers = {
    routerCapabilities: async () => ({
      rtpCapabilities: this.options.router.rtpCapabilities,
      iceServers: this.options.iceServers,
    }),
    createTransport: async () => {
      if (this.transports.size >= maxTransports) throw new Error(`at most ${maxTransports} transports`);
      const t = await this.options.router.createWebRtcTransport({
        listenIps: [this.options.listenIp],
        enableUdp: true,
        enableTcp: true,
        preferUdp: true,
      });
      if (this.closed) {
        t.close();
        throw new Error("connection closed");
      }
      this.transports.set(t.id, t);
      t.observer.once("close", () => this.transports.delete(t.id));
      const { id, iceParameters, iceCandidates, dtlsParameters } = t;
      return { id, iceParameters, iceCandidates, dtlsParameters };
    },
    connectTransport: async ({ transportId, dtlsParameters }) => {
      await this.transport(transportId).connect({ dtlsParameters: dtlsParameters as types.DtlsParameters });
      return {};
    },
    produce: (p) => this.produce(p),
    consume: async ({ transportId, producerId, rtpCapabilities }) => {
      const caps = rtpCapabilities as types.RtpCapabilities;
      if (!this.options.router.canConsume({ producerId, rtpCapabilities: caps })) {
        throw new Error(`cannot consume ${producerId} with these capabilities`);
      }
      // Paused until the client has its consumer set up and calls resume (then a keyframe follows).
      const c = await this.transport(transportId).consume({
        producerId,
        rtpCapabilities: caps,
        paused: true,
      });
      this.consumers.set(c.id, c);
      c.observer.once("close", () => this.consumers.delete(c.id));
      return { id: c.id, producerId, kind: c.kind, rtpParameters: c.rtpParameters };
    },
    pause: async ({ kind, id }) => {
      await this.endpoint(kind, id).pause();
      return {};
    },
    resume: async ({ kind, id }) => {
      await this.endpoint(kind, id).resume();
      return {};
    },
    close: async ({ kind, id }) => {
      this.endpoint(kind, id).close();
      return {};
    },
    setControls: async ({ producerId, controls }) => {
      const stream = this.pipeline(producerId).stream;
      // The pipeline reads stream.controls for every frame.
      stream.controls = { ...stream.controls, ...controls };
      return { controls: stream.controls };
    },
    pipelineStats: async ({ producerId }) => this.pipeline(producerId).stats(),
  };

  /** Ends every transport, producer, consumer and pipeline; resolves when the ffmpegs have exited. */
  async close(): Promise<void> {
    this.closed = true;
    const pipelines = [...this.pipelines.values()];
    for (const t of this.transports.values()) t.close();
    await Promise.all(pipelines.map((p) => p.close()));
  }

  private async produce(p: Parsed<"produce">): Promise<Responses["produce"]> {
    if (this.producers.size >= maxProducers)
      throw new Error(`at most ${maxProducers} cameras per connection`);
    const transport = this.transport(p.transportId);
    const producer = await transport.produce({
      kind: "video",
      rtpParameters: p.rtpParameters as types.RtpParameters,
    });
    this.producers.set(producer.id, producer);
    producer.observer.once("close", () => this.producers.delete(producer.id));
    const stream = this.createStream(p.mode, p.controls);
    let pipeline: SketchPipeline;
    try {
      pipeline = await SketchPipeline.start({
        router: this.options.router,
        source: producer,
        stream,
        probe: p.probe,
        log: this.options.log,
      });
    } catch (err) {
      stream.close();
      producer.close();
      throw err;
    }
    if (this.closed) {
      await pipeline.close();
      throw new Error("connection closed");
    }
    this.pipelines.set(producer.id, pipeline);
    pipeline.onClose(() => {
      this.pipelines.delete(producer.id);
      if (!this.closed) this.options.onPipelineClosed(producer.id);
    });
    return { id: producer.id, sketchProducerId: pipeline.output.producer.id };
  }

  private createStream(mode: Parsed<"produce">["mode"], controls: Parsed<"produce">["controls"]) {
    if (mode === "passthrough") return new PassthroughStream();
    return this.options.engine.createStream(controls);
  }

  private transport(id: string): types.WebRtcTransport {
    const t = this.transports.get(id);
    if (!t) throw new Error(`no transport ${id}`);
    return t;
  }

  private endpoint(kind: "producer" | "consumer", id: string): types.Producer | types.Consumer {
    const e = kind === "producer" ? this.producers.get(id) : this.consumers.get(id);
    if (!e) throw new Error(`no ${kind} ${id}`);
    return e;
  }

  private pipeline(producerId: string): SketchPipeline {
    const p = this.pipelines.get(producerId);
    if (!p) throw new Error(`no pipeline for producer ${producerId}`);
    return p;
  }
}
