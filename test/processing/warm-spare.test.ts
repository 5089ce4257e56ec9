// WarmSpare with a fake factory (children are plain objects that "exit" when told): the spare takes
// over a crash and a key change, a spare of another key is not used, and close() ends everything.
import { expect, test } from "vitest";
import { WarmSpare } from "../../server/processing/warm-spare.js";

class FakeChild {
  readonly exited: Promise<void>;
  closed = false;
  active = false;
  private exit!: () => void;
  constructor(
    readonly id: number,
    readonly key: string,
  ) {
    this.exited = new Promise((r) => {
      this.exit = r;
    });
  }
  /** A crash: the child exits by itself. */
  crash(): void {
    this.exit();
  }
  close(): void {
    this.closed = true;
    this.exit();
  }
}

const spareDelayMs = 30;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rig(opts: { failFirst?: number } = {}) {
  const started: FakeChild[] = [];
  const crashes: number[] = [];
  let failures = opts.failFirst ?? 0;
  const supervisor = new WarmSpare<FakeChild, string>({
    start: async (key) => {
      if (failures-- > 0) throw new Error("no ffmpeg");
      const c = new FakeChild(started.length, key);
      started.push(c);
      return c;
    },
    activate: (c) => {
      c.active = true;
    },
    onCrash: (c) => crashes.push(c.id),
    onError: () => {},
    sameKey: (a, b) => a === b,
    spareDelayMs,
    retryMs: 20,
  });
  return { supervisor, started, crashes };
}

test("a crash is taken over by the loaded spare, and a new spare follows", async () => {
  const { supervisor, started, crashes } = rig();
  const first = await supervisor.use("360p");
  expect(first?.id).toBe(0);
  await wait(spareDelayMs * 3);
  expect(started).toHaveLength(2); // the spare, loaded and idle
  expect(started[1]?.active).toBe(false);
  first?.crash();
  await wait(5);
  expect(crashes).toEqual([0]);
  expect(supervisor.active).toBe(started[1]);
  expect(started[1]?.active).toBe(true);
  await wait(spareDelayMs * 3);
  expect(started).toHaveLength(3);
  await supervisor.close();
  expect(started.every((c) => c.closed || c === first)).toBe(true);
});

test("a new key starts a child now when the spare is of another key, and closes that spare", async () => {
  const { supervisor, started } = rig();
  await supervisor.use("360p");
  await wait(spareDelayMs * 3);
  const [old, spare] = started;
  const next = await supervisor.use("720p");
  expect(next?.key).toBe("720p");
  expect(next).not.toBe(spare);
  expect(old?.closed).toBe(true);
  expect(spare?.closed).toBe(true);
  expect(supervisor.serves("720p")).toBe(true);
  // Using the same key again is the child in use, no switch.
  expect(await supervisor.use("720p")).toBe(next);
  await supervisor.close();
  expect(started.every((c) => c.closed)).toBe(true);
});

test("a switch before the spare is loaded does not wait for it and leaks nothing", async () => {
  const { supervisor, started } = rig();
  await supervisor.use("a");
  const second = await supervisor.use("b"); // the spare for "a" is still in its delay
  expect(second?.key).toBe("b");
  await wait(spareDelayMs * 3);
  expect(started.filter((c) => !c.closed).map((c) => c.key)).toEqual(["b", "b"]); // in use + spare
  await supervisor.close();
  expect(started.every((c) => c.closed)).toBe(true);
});

test("a child that fails to start is retried; close() ends the retries", async () => {
  const { supervisor, started } = rig({ failFirst: 2 });
  expect(await supervisor.use("x")).toBeUndefined();
  await wait(100);
  expect(supervisor.active?.key).toBe("x");
  await supervisor.close();
  const n = started.length;
  await wait(100);
  expect(started.length).toBe(n);
  expect(started.every((c) => c.closed)).toBe(true);
});
