import type { types } from "mediasoup";
import type { SketchEngine } from "../engine/index.js";
import type { Logger } from "../log.js";
import type { LiveAdmission } from "./live-admission.js";
import { PassthroughStream } from "./passthrough-stream.js";
import { RequestError } from "./request-error.js";
import type { Handlers, Parsed } from "./signaling-handler.js";
import type { IceServer, Responses } from "./signaling-messages.js";
import { type PipelineEndReason, SketchPipeline } from "./sketch-pipeline.js";

export interface PeerOptions {
  router: types.Router;
  engine: SketchEngine;
  listenIp: types.TransportListenIp;
  iceServers: IceServer[];
  log: Logger;
  /** The server-wide pipeline limit and the idle timeout. */
  admission: LiveAdmission;
  /** Called when one of this peer's pipelines ends on its own (see PipelineEndReason). */
  onPipelineClosed(producerId: string, reason: PipelineEndReason): void;
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
      if (this.transports.size >= maxTransports)
        throw new RequestError("failed", `at most ${maxTransports} transports per connection`);
      const t = await this.options.router
        .createWebRtcTransport({
          listenIps: [this.options.listenIp],
          enableUdp: true,
          enableTcp: true,
          preferUdp: true,
        })
        .catch((err: unknown) => {
          // Every WebRTC port of the configured range is taken: a capacity limit like the others.
          // mediasoup says "no more available ports"; the 3.8.4 worker we run gives an empty reason.
          const reason = err instanceof Error ? err.message.replace(/\s*\[method:[^\]]*\]$/, "") : "?";
          if (reason === "" || /no more available ports/i.test(reason))
            throw new RequestError("server-full", "server full: no free WebRTC port; try again later");
          throw err;
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
      // A connection sees only what it sent: its cameras and their sketches, never another's.
      if (!this.ownsProducer(producerId)) throw new RequestError("not-found", `no producer ${producerId}`);
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
      throw new RequestError("failed", `at most ${maxProducers} cameras per connection`);
    const transport = this.transport(p.transportId);
    const release = this.options.admission.takePipeline();
    let producer: types.Producer | undefined;
    let stream: ReturnType<LivePeer["createStream"]> | undefined;
    let pipeline: SketchPipeline;
    try {
      producer = await transport.produce({
        kind: "video",
        rtpParameters: p.rtpParameters as types.RtpParameters,
      });
      const id = producer.id;
      this.producers.set(id, producer);
      producer.observer.once("close", () => this.producers.delete(id));
      stream = this.createStream(p.mode, p.controls);
      pipeline = await SketchPipeline.start({
        router: this.options.router,
        source: producer,
        stream,
        probe: p.probe,
        log: this.options.log,
        idleTimeoutMs: this.options.admission.limits.idleTimeoutS * 1000,
      });
    } catch (err) {
      stream?.close();
      producer?.close();
      release();
      throw err;
    }
    const id = producer.id;
    pipeline.onClose((reason) => {
      release();
      this.pipelines.delete(id);
      if (reason && !this.closed) this.options.onPipelineClosed(id, reason);
    });
    if (this.closed) {
      await pipeline.close();
      throw new Error("connection closed");
    }
    this.pipelines.set(id, pipeline);
    return { id, sketchProducerId: pipeline.output.producer.id };
  }

  private ownsProducer(producerId: string): boolean {
    if (this.producers.has(producerId)) return true;
    for (const p of this.pipelines.values()) if (p.output.producer.id === producerId) return true;
    return false;
  }

  private createStream(mode: Parsed<"produce">["mode"], controls: Parsed<"produce">["controls"]) {
    if (mode === "passthrough") return new PassthroughStream();
    return this.options.engine.createStream(controls);
  }

  private transport(id: string): types.WebRtcTransport {
    const t = this.transports.get(id);
    if (!t) throw new RequestError("not-found", `no transport ${id}`);
    return t;
  }

  private endpoint(kind: "producer" | "consumer", id: string): types.Producer | types.Consumer {
    const e = kind === "producer" ? this.producers.get(id) : this.consumers.get(id);
    if (!e) throw new RequestError("not-found", `no ${kind} ${id}`);
    return e;
  }

  private pipeline(producerId: string): SketchPipeline {
    const p = this.pipelines.get(producerId);
    if (!p) throw new RequestError("not-found", `no pipeline for producer ${producerId}`);
    return p;
  }
}
