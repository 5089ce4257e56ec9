import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = dirname(fileURLToPath(import.meta.url));
// Every client/*.html is a page of its own.
const pages = Object.fromEntries(
  readdirSync(root)
    .filter((f) => f.endsWith(".html"))
    .map((f) => [f.replace(/\.html$/, ""), join(root, f)]),
);

export default defineConfig({
  root,
  build: { outDir: join(root, "..", "dist", "client"), emptyOutDir: true, rollupOptions: { input: pages } },
});
