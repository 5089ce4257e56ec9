// `npm run bench [-- name...]`: runs every bench/*.bench.ts (or those whose name matches an argument),
// prints each section as a table and writes all figures as JSON under bench/results/.
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BenchSection } from "./section.js";

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = (await readdir(here))
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => filters.length === 0 || filters.some((q) => f.includes(q)))
  .sort();

const sections: BenchSection[] = [];
for (const file of files) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as {
    default: () => Promise<BenchSection>;
  };
  console.log(`\n## ${file}`);
  const section = await mod.default();
  console.table(section.rows);
  for (const note of section.notes ?? []) console.log(`  ${note}`);
  sections.push(section);
}

const outDir = join(here, "results");
await mkdir(outDir, { recursive: true });
const out = join(outDir, `bench-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
await writeFile(out, JSON.stringify({ date: new Date().toISOString(), sections }, null, 2));
console.log(`\nwrote ${out}`);
