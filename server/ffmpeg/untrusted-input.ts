// How ffprobe and ffmpeg open untrusted media (uploads, the CLI's input) so that they read those
// bytes and nothing else. Playlists (hls), concat lists, dash manifests and image sequences
// (image2) name other files or URLs, so:
// - only containers that cannot reference anything else are accepted (allowedDemuxers); ffprobe
//   gets them as -format_whitelist, every later ffmpeg gets the probed one forced with -f;
// - the file is handed over as an open descriptor and named /dev/fd/N: ffmpeg reads exactly the
//   file we checked, and the name gives it no extension or %d pattern to guess a demuxer from;
// - -protocol_whitelist file: no network, no concat:/subfile:/data: tricks;
// - mov's external data references (drefs) stay off, as they are by default.
import { closeSync, constants, fstatSync, openSync } from "node:fs";
import { basename } from "node:path";
import { MediaError } from "./media-error.js";

/** ffmpeg demuxer names (as in `ffmpeg -formats`) of the containers and pictures we accept. */
export const allowedDemuxers = [
  "mov",
  "matroska",
  "avi",
  "mpegts",
  "flv",
  "ogg",
  "yuv4mpegpipe",
  "gif",
  "png_pipe",
  "jpeg_pipe",
  "webp_pipe",
  "bmp_pipe",
] as const;

/** The allowed demuxer behind ffprobe's format_name ("mov,mp4,m4a,…" → "mov"), if any. */
export function allowedDemuxer(formatName: string): string | undefined {
  const names = formatName.split(",");
  return allowedDemuxers.find((d) => names.includes(d));
}

/**
 * Input options for the file open as the child's fd `fd` (3 for the first of SpawnOptions.fds).
 * Without `demuxer` (probing) any allowed one may be picked; with it, that one is forced.
 */
export function untrustedInputArgs(fd: number, demuxer?: string): string[] {
  return [
    "-protocol_whitelist",
    "file",
    "-format_whitelist",
    demuxer ?? allowedDemuxers.join(","),
    ...(demuxer ? ["-f", demuxer] : []),
    ...(demuxer === "mov" ? ["-enable_drefs", "0"] : []),
    "-i",
    `file:/dev/fd/${fd}`,
  ];
}

/**
 * Opens a regular file for reading and returns its descriptor, or undefined when `path` is
 * missing or not a regular file (a FIFO or device could block or never end).
 */
export function openRegularFile(path: string): number | undefined {
  let fd: number;
  try {
    // Non-blocking, so that opening a FIFO returns at once instead of waiting for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  if (fstatSync(fd).isFile()) return fd;
  closeSync(fd);
  return undefined;
}

/**
 * Calls `spawn` with `path` open as the first of its fds (the child's fd 3, so
 * untrustedInputArgs(3, …)); our copy of the descriptor is closed when `spawn` returns, so it must
 * start the child before it returns (or before its first await).
 */
export function withInputFile<T>(path: string, spawn: (fds: number[]) => T): T {
  const fd = openRegularFile(path);
  if (fd === undefined)
    throw new MediaError("not-media", `not a video or image file: ${basename(path)} does not exist`);
  try {
    return spawn([fd]);
  } finally {
    closeSync(fd);
  }
}
