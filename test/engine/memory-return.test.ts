// After a stream of large frames (a frame API client's 1080p pictures) the server shrinks back: the
// memory its frames took (mostly ONNX Runtime's arena, which keeps the buffers of the largest frame
// a session has run) returns once their stream closes, while a live stream at 640x360 goes on
// drawing (conversion jobs run in processes of their own, which take their memory with them).
// Measured as this process's resident size, where the engine's worker thread lives.
import { expect, test } from "vitest";
import { openEngine } from "../helpers/engine.js";

const rssMb = () => process.memoryUsage().rss / 2 ** 20;

function pattern(width: number, height: number): Uint8Array {
  return new Uint8Array(width * height * 3).map((_, i) => (i * 7) % 251);
}

test("the memory 1920x1080 frames took returns when their stream closes", async () => {
  const { engine } = await openEngine();
  try {
    const live = engine.createStream();
    const small = pattern(640, 360);
    const drawSmall = async (n: number) => {
      for (let i = 0; i < n; i++) await live.process(small, 640, 360);
    };
    await drawSmall(15);
    const before = rssMb();
    const large = engine.createStream();
    const big = pattern(1920, 1080);
    for (let i = 0; i < 6; i++) await large.process(big, 1920, 1080);
    const peak = rssMb();
    large.close();
    // The close is handled in order with the live frames after it.
    await drawSmall(15);
    const after = rssMb();
    const grew = peak - before;
    console.log(
      `rss: ${before.toFixed(0)} MB at 360p, ${peak.toFixed(0)} after 1080p, ${after.toFixed(0)} after`,
    );
    expect(grew, "1080p frames should have grown the process").toBeGreaterThan(60);
    expect(after - before).toBeLessThan(grew / 3);
  } finally {
    await engine.close();
  }
}, 60_000);
