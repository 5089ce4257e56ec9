// The V8 heap flags (server/heap-flags.ts) reach every way the server, the CLI and the benchmarks
// start, including those that cannot import the module.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { heapFlags } from "../../server/heap-flags.js";
import { repoRoot } from "../../server/paths.js";

const read = (path: string) => readFileSync(join(repoRoot, path), "utf8");
const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;

describe("heap flags", () => {
  it.each([
    ["npm start", scripts.start ?? ""],
    ["npm run bench", scripts.bench ?? ""],
    ["the CLI's shebang", read("bin/sketchcast.js").split("\n")[0] ?? ""],
  ])("are on %s's node command line", (_, line) => {
    for (const flag of heapFlags) expect(line).toMatch(new RegExp(`\\bnode (--\\S+ )*${flag}( |$)`));
  });

  it.each(["docker/Dockerfile", "docker/Dockerfile.gpu"])("are in %s's CMD", (file) => {
    const cmd = read(file)
      .split("\n")
      .find((l) => l.startsWith("CMD "));
    expect(JSON.parse((cmd ?? "").slice(4))).toEqual(["node", ...heapFlags, "dist/server/main.js"]);
  });
});
