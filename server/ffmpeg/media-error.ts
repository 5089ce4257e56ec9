/** Problems with a media file, each with one readable line for users (CLI, HTTP error bodies). */
export type MediaErrorKind = "not-media" | "too-large" | "corrupt" | "unsupported-output" | "timeout";

export class MediaError extends Error {
  override name = "MediaError";
  constructor(
    readonly kind: MediaErrorKind,
    message: string,
  ) {
    super(message);
  }
}
