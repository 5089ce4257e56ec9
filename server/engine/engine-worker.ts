// The engine worker: owns the ONNX Runtime session and every stream's temporal state, and runs the
// per-frame step off the main thread (why a worker: engine-client.ts). Messages are handled in
// arrival order, one at a time, except that a batch (batch.ts) takes queued frames of other streams
// ahead of their turn; a stream's own messages keep their order (inbox.ts), so its reset or close
// lands between its frames, never inside one. Conversion jobs run in processes of their own
// (server/jobs/conversion-process.ts), so this worker's streams are all live or on demand.
import { parentPort, workerData } from "node:worker_threads";
import { ArenaPeak } from "./arena-peak.js";
import { gatherBatch, resolveBatchSize, runBatch } from "./batch.js";
import { releaseFreedMemory } from "./flow/temporal-warp.js";
import { FrameStep } from "./frame-step.js";
import { Inbox, type ProcessMessage, type Queued } from "./inbox.js";
import { openSession } from "./session.js";
import type { FromWorker, ToWorker, WorkerInit } from "./worker-protocol.js";

if (!parentPort) throw new Error("engine-worker.ts runs as a worker thread of SketchEngine");
const port = parentPort;
const init = workerData as WorkerInit;
const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

const streams = new Map<number, FrameStep>();

function stepFor(stream: number): FrameStep {
  let step = streams.get(stream);
  if (!step) {
    step = new FrameStep(init.stride);
    streams.set(stream, step);
  }
  return step;
}

// A frame's flow starts as it arrives, and a reset of the flow lands between the same frames as the
// reset message; both run ahead of the inbox (flow-ahead.ts).
const inbox = new Inbox();
port.on("message", (m: ToWorker) => {
  if (m.type === "process") stepFor(m.stream).ahead.start(m.id, new Uint8Array(m.frame), m.width, m.height);
  if (m.type === "reset") streams.get(m.stream)?.ahead.reset();
  inbox.push(m);
});

const open = (ep: WorkerInit["ep"]) =>
  openSession(init.model, init.cpuModel, ep, init.threads, init.stride, init.styleCount, (msg) =>
    post({ type: "warn", msg }),
  );
const opened = await open(init.ep);
const ep = opened.ep;
let session = opened.session;
const arena = new ArenaPeak();

/** Reopens the session when it holds memory for much larger frames than any open stream sends
 *  (arena-peak.ts); on the provider in use, so a fallback is not tried again. */
async function giveMemoryBack(): Promise<void> {
  const sizes = [...streams.values()].map((step) => step.pixels);
  if (!arena.worthReopening(sizes)) return;
  await session.release();
  session = (await open(ep)).session;
  arena.reopened(sizes);
  // The old arena's blocks and the closed stream's flow buffers are free now, but still in the heaps.
  releaseFreedMemory();
}
const gather = {
  maxSize: resolveBatchSize(init.batch.maxSize, ep),
  maxWaitMs: init.batch.maxWaitMs,
  stride: init.stride,
  peers: (size: string, since: number) =>
    [...streams].filter(([, step]) => step.size === size && step.finishedAt < since).map(([id]) => id),
};

async function serve(): Promise<void> {
  for (;;) {
    const q = await inbox.take();
    const m = q.m;
    switch (m.type) {
      case "process": {
        const batch = await gatherBatch(inbox, q as Queued<ProcessMessage>, gather);
        await runBatch(
          session,
          batch.map(({ m }) => ({ m, step: stepFor(m.stream) })),
          post,
        );
        arena.ran(stepFor(m.stream).pixels);
        break;
      }
      case "reset":
        streams.get(m.stream)?.reset();
        break;
      case "close-stream":
        streams.get(m.stream)?.close();
        streams.delete(m.stream);
        await giveMemoryBack();
        break;
      case "close":
        for (const step of streams.values()) step.close();
        streams.clear();
        await session.release();
        post({ type: "reply", id: m.id });
        return;
    }
  }
}

// Anything that escapes serve() is a bug: rethrown outside the promise, it ends the worker, and the
// main thread fails every pending call with it.
serve().catch((err: unknown) =>
  process.nextTick(() => {
    throw err;
  }),
);
post({ type: "ready", ep, batchMaxSize: gather.maxSize });
