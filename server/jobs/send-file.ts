import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { FastifyReply, FastifyRequest } from "fastify";

/**
 * Sends a file with a download name, honouring a single `Range: bytes=a-b` so that `<video>` can
 * seek in a result without downloading it all. Other range forms get the whole file.
 */
export async function sendFile(
  request: FastifyRequest,
  reply: FastifyReply,
  path: string,
  contentType: string,
  downloadName: string,
): Promise<FastifyReply> {
  const { size } = await stat(path);
  reply.header("accept-ranges", "bytes");
  const m = /^bytes=(\d*)-(\d*)$/.exec(request.headers.range ?? "");
  if (m && (m[1] || m[2])) {
    // "bytes=-n" is the last n bytes.
    const start = m[1] ? Number(m[1]) : Math.max(0, size - Number(m[2]));
    const end = m[1] && m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
    if (start > end || start >= size) {
      // The error is JSON, so the file's content type must not be set yet.
      return reply
        .code(416)
        .header("content-range", `bytes */${size}`)
        .send({ error: `range not satisfiable: the file has ${size} bytes` });
    }
    return asDownload(reply, contentType, downloadName)
      .code(206)
      .header("content-range", `bytes ${start}-${end}/${size}`)
      .header("content-length", end - start + 1)
      .send(createReadStream(path, { start, end }));
  }
  return asDownload(reply, contentType, downloadName)
    .header("content-length", size)
    .send(createReadStream(path));
}

function asDownload(reply: FastifyReply, contentType: string, downloadName: string): FastifyReply {
  return reply
    .header("content-type", contentType)
    .header("content-disposition", contentDisposition(downloadName));
}

/** attachment; an ASCII fallback name plus the exact UTF-8 one (RFC 6266 / 5987). */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
