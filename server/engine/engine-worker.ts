// The engine worker: owns the ONNX Runtime session and every stream's temporal state, and runs the
// per-frame step off the main thread (why one worker: engine-client.ts). Messages are handled one at
// a time in arrival order, so a stream's reset or close lands between its frames, never inside one.
import { parentPort, workerData } from "node:worker_threads";
import { FrameStep } from "./frame-step.js";
import { openSession } from "./session.js";
import type { FromWorker, ToWorker, WorkerInit } from "./worker-protocol.js";

if (!parentPort) throw new Error("engine-worker.ts runs as a worker thread of SketchEngine");
const port = parentPort;
const init = workerData as WorkerInit;
const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

const { session, ep } = await openSession(
  init.model,
  init.ep,
  init.threads,
  init.stride,
  init.styleCount,
  (msg) => post({ type: "warn", msg }),
);
const streams = new Map<number, FrameStep>();

async function handle(m: ToWorker): Promise<void> {
  switch (m.type) {
    case "process": {
      const started = performance.now();
      let step = streams.get(m.stream);
      if (!step) {
        step = new FrameStep(init.stride);
        streams.set(m.stream, step);
      }
      try {
        const { sketch, sceneCut } = await step.run(session, new Uint8Array(m.frame), m.width, m.height, m);
        const ms = performance.now() - started;
        post({ type: "reply", id: m.id, frame: { sketch: sketch.buffer as ArrayBuffer, sceneCut, ms } }, [
          sketch.buffer as ArrayBuffer,
        ]);
      } catch (error) {
        post({ type: "reply", id: m.id, error });
      }
      return;
    }
    case "reset":
      streams.get(m.stream)?.reset();
      return;
    case "close-stream":
      streams.get(m.stream)?.close();
      streams.delete(m.stream);
      return;
    case "close":
      for (const step of streams.values()) step.close();
      streams.clear();
      await session.release();
      post({ type: "reply", id: m.id });
      return;
  }
}

let queue = Promise.resolve();
port.on("message", (m: ToWorker) => {
  // Anything that escapes handle() is a bug: rethrown outside the chain, it ends the worker, and the
  // main thread fails every pending call with it.
  queue = queue
    .then(() => handle(m))
    .catch((err: unknown) =>
      process.nextTick(() => {
        throw err;
      }),
    );
});
post({ type: "ready", ep });
