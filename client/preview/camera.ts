// Camera access with messages a person can act on.
const sizes = { 360: { width: 640, height: 360 }, 720: { width: 1280, height: 720 } } as const;
export type SizeChoice = keyof typeof sizes;

export class CameraError extends Error {
  override name = "CameraError";
}

/** `what`: "camera", or "camera and microphone" when both were asked for. */
function explain(err: unknown, what = "camera"): CameraError {
  const name = err instanceof DOMException ? err.name : "";
  const What = what[0]?.toUpperCase() + what.slice(1);
  if (name === "NotAllowedError") {
    return new CameraError(
      `${What} access was denied. Allow the ${what} for this site (the camera icon in the address bar) and reload.`,
    );
  }
  if (name === "NotFoundError" || name === "OverconstrainedError") {
    return new CameraError("No camera found. Connect a camera and reload.");
  }
  if (name === "NotReadableError") return new CameraError(`The ${what} is in use by another application.`);
  return new CameraError(`Cannot start the ${what}: ${err instanceof Error ? err.message : String(err)}`);
}

function needSecureContext(what: string): void {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new CameraError(
      `This page needs a secure connection for the ${what}: open it over HTTPS or on http://localhost.`,
    );
  }
}

function videoConstraints(size: SizeChoice, deviceId?: string): MediaTrackConstraints {
  return {
    ...sizes[size],
    frameRate: { ideal: 30 },
    ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
  };
}

export async function openCamera(size: SizeChoice, deviceId?: string): Promise<MediaStreamTrack> {
  needSecureContext("camera");
  try {
    const stream = await navigator.mediaDevices.getUserMedia({
      video: videoConstraints(size, deviceId),
      audio: false,
    });
    return stream.getVideoTracks()[0] as MediaStreamTrack;
  } catch (err) {
    throw explain(err);
  }
}

/**
 * The camera and the microphone (a call). Without a microphone the call goes on with the camera
 * alone (`audio` undefined); without a camera, or with either denied, it throws a CameraError.
 */
export async function openCameraAndMicrophone(
  size: SizeChoice,
): Promise<{ video: MediaStreamTrack; audio: MediaStreamTrack | undefined }> {
  const what = "camera and microphone";
  needSecureContext(what);
  const video = videoConstraints(size);
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video, audio: true });
  } catch (err) {
    if (!(err instanceof DOMException && err.name === "NotFoundError")) throw explain(err, what);
    // One of the two is missing: a call without a microphone still works, one without a camera not.
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video, audio: false });
    } catch (err2) {
      throw explain(err2);
    }
  }
  return { video: stream.getVideoTracks()[0] as MediaStreamTrack, audio: stream.getAudioTracks()[0] };
}

/** Video inputs with their labels (available once the camera was allowed). */
export async function listCameras(): Promise<MediaDeviceInfo[]> {
  return (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === "videoinput");
}

/** A camera picker's options: every camera, the one `current` uses selected. Returns how many. */
export async function fillCameraSelect(
  select: HTMLSelectElement,
  current: MediaStreamTrack | undefined,
): Promise<number> {
  const using = current?.getSettings().deviceId;
  const cameras = await listCameras();
  select.replaceChildren(
    ...cameras.map(
      (d, i) => new Option(d.label || `Camera ${i + 1}`, d.deviceId, false, d.deviceId === using),
    ),
  );
  return cameras.length;
}
