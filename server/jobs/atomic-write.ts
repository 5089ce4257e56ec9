import { open, rename } from "node:fs/promises";

/**
 * Replaces `path` with `data` so that readers (and a restarted server) see either the old or the new
 * content, never a torn file: write a sibling temp file, fsync it, rename it over the target.
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  const fh = await open(tmp, "w");
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}
