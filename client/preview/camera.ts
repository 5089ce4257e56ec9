// Camera access with messages a person can act on.
const sizes = { 360: { width: 640, height: 360 }, 720: { width: 1280, height: 720 } } as const;
export type SizeChoice = keyof typeof sizes;

export class CameraError extends Error {
  override name = "CameraError";
}

function explain(err: unknown): CameraError {
  const name = err instanceof DOMException ? err.name : "";
  if (name === "NotAllowedError") {
    return new CameraError(
      "Camera access was denied. Allow the camera for this site (the camera icon in the address bar) and reload.",
    );
  }
  if (name === "NotFoundError" || name === "OverconstrainedError") {
    return new CameraError("No camera found. Connect a camera and reload.");
  }
  if (name === "NotReadableError") return new CameraError("The camera is in use by another application.");
  return new CameraError(`Cannot start the camera: ${err instanceof Error ? err.message : String(err)}`);
}

export async function openCamera(size: SizeChoice, deviceId?: string): Promise<MediaStreamTrack> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new CameraError(
      "This page needs a secure connection for the camera: open it over HTTPS or on http://localhost.",
    );
  }
  const video: MediaTrackConstraints = {
    ...sizes[size],
    frameRate: { ideal: 30 },
    ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
  };
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video, audio: false });
    return stream.getVideoTracks()[0] as MediaStreamTrack;
  } catch (err) {
    throw explain(err);
  }
}

/** Video inputs with their labels (available once the camera was allowed). */
export async function listCameras(): Promise<MediaDeviceInfo[]> {
  return (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === "videoinput");
}
