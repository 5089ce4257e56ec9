// Prints the directory holding the running Node's own headers (<dir>/include/node, the same
// version), for node-gyp's --nodedir; prints nothing when there are none, and node-gyp downloads.
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";

const prefix = dirname(dirname(realpathSync(process.execPath)));
// A .deb or tarball keeps them beside bin/; the npm `node` package in its per-platform dependency.
const candidates = [prefix, join(prefix, "node_modules", `node-${process.platform}-${process.arch}`)];
const [major, minor, patch] = process.versions.node.split(".");
const want = [`MAJOR_VERSION ${major}\n`, `MINOR_VERSION ${minor}\n`, `PATCH_VERSION ${patch}\n`];

for (const dir of candidates) {
  const header = join(dir, "include", "node", "node_version.h");
  if (!existsSync(header) || !existsSync(join(dir, "include", "node", "common.gypi"))) continue;
  const text = readFileSync(header, "utf8");
  if (want.every((line) => text.includes(`#define NODE_${line}`))) {
    console.log(dir);
    break;
  }
}
