import { createWriteStream } from "node:fs";
import { mkdir, open } from "node:fs/promises";
import { basename, join } from "node:path";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { FastifyRequest } from "fastify";
import { HttpError } from "./http-error.js";

export interface ReceivedUpload {
  fields: Record<string, string>;
  /** Absent when the form carried no file part. */
  file?: { name: string; storedName: string; path: string; size: number; truncated: boolean };
}

/**
 * Streams a multipart form to disk: the file part named `file` goes into `dir` (at most `limit`
 * bytes; the rest is read and dropped so the client still gets our answer instead of a reset
 * connection), text fields are collected. Fields may come before or after the file. A form that
 * cannot be parsed (no boundary, cut short) or carries a file under another name is a 400.
 */
export async function receiveUpload(
  request: FastifyRequest,
  dir: string,
  limit: number,
  signal: AbortSignal,
): Promise<ReceivedUpload> {
  // A client that half-closes mid-body leaves the multipart parser waiting forever: stop waiting.
  const gone = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
  try {
    return await Promise.race([receiveParts(request, dir, limit), gone]);
  } catch (err) {
    // Our own answers, multipart limits (413) and disk errors (500) stay what they are; the rest
    // comes from parsing what the client sent.
    if (
      err instanceof HttpError ||
      (err as { statusCode?: number }).statusCode ||
      (err as NodeJS.ErrnoException).syscall
    )
      throw err;
    throw new HttpError(400, `not a readable multipart form: ${(err as Error).message}`);
  }
}

async function receiveParts(request: FastifyRequest, dir: string, limit: number): Promise<ReceivedUpload> {
  const fields: Record<string, string> = {};
  let file: ReceivedUpload["file"];
  let misnamed: string | undefined;
  const parts = request.parts({ limits: { fileSize: limit, files: 8, fields: 16 } });
  for await (const part of parts) {
    if (part.type === "field") {
      if (typeof part.value === "string") fields[part.fieldname] = part.value;
      continue;
    }
    if (file || part.fieldname !== "file") {
      if (part.fieldname !== "file") misnamed ??= part.fieldname;
      await pipeline(part.file, new Writable({ write: (_chunk, _enc, done) => done() }));
      continue;
    }
    const storedName = safeName(part.filename);
    const path = join(dir, storedName);
    await mkdir(dir, { recursive: true });
    await pipeline(part.file, createWriteStream(path));
    file = {
      name: part.filename,
      storedName,
      path,
      size: await syncFile(path),
      truncated: part.file.truncated,
    };
  }
  if (misnamed !== undefined)
    throw new HttpError(
      400,
      `unexpected file in the form field '${misnamed}' (send it as the form field 'file')`,
    );
  return { fields, file };
}

/** Flushes the upload to disk before we hand out its job id, so an accepted upload survives a crash. */
async function syncFile(path: string): Promise<number> {
  const fh = await open(path, "r+");
  try {
    await fh.sync();
    return (await fh.stat()).size;
  } finally {
    await fh.close();
  }
}

/**
 * The uploader's file name made safe to store: no path, only plain characters. It keeps the
 * extension (which helps ffprobe pick a demuxer) and makes ffprobe's messages name the user's file.
 */
function safeName(name: string): string {
  const clean = basename(name)
    .replace(/[^\w.\- ]/g, "_")
    .replace(/^\.+/, "")
    .slice(-100);
  return clean || "upload";
}
