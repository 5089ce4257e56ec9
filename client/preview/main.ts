import { unencodableCamera } from "../live/camera-encodes.js";
import { wireSketchControls } from "../live/sketch-controls.js";
import { CameraError, fillCameraSelect, openCamera, type SizeChoice } from "./camera.js";
import { LiveSession } from "./live-session.js";
import { StatsLine } from "./stats-line.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const message = $<HTMLParagraphElement>("message");
const stage = $<HTMLElement>("stage");
const cameraVideo = $<HTMLVideoElement>("camera");
const sketchVideo = $<HTMLVideoElement>("sketch");
const statsLine = $<HTMLParagraphElement>("stats");
const deviceSelect = $<HTMLSelectElement>("device");
const sizeSelect = $<HTMLSelectElement>("size");

function say(text: string, bad = false): void {
  message.textContent = text;
  message.classList.toggle("bad", bad);
  message.hidden = text === "";
}

let session: LiveSession | undefined;
let track: MediaStreamTrack | undefined;

async function useCamera(deviceId: string | undefined): Promise<void> {
  const next = await openCamera(Number(sizeSelect.value) as SizeChoice, deviceId);
  await session?.replaceTrack(next);
  track?.stop();
  track = next;
  cameraVideo.srcObject = new MediaStream([next]);
}

/** The picked camera and size; back to the previous camera if WebRTC cannot encode the new one's frames. */
async function switchCamera(): Promise<void> {
  const previous = track?.getSettings().deviceId;
  await useCamera(deviceSelect.value || undefined);
  if (!session || !previous || (await session.cameraEncodes())) return;
  deviceSelect.value = previous;
  await useCamera(previous);
  say(unencodableCamera, true);
}

async function fillCameraList(): Promise<void> {
  await fillCameraSelect(deviceSelect, track);
}

function wireControls(s: LiveSession): void {
  wireSketchControls((values) => s.setControls(values).catch((err: unknown) => say(String(err), true)));
  $("view").addEventListener("input", (e) => {
    stage.className = `stage ${(e.target as HTMLSelectElement).value}`;
  });
  const wipe = $<HTMLInputElement>("wipe");
  const setWipe = () => stage.style.setProperty("--wipe", `${wipe.value}%`);
  wipe.addEventListener("input", setWipe);
  setWipe();
  for (const el of [deviceSelect, sizeSelect]) {
    el.addEventListener("input", () => switchCamera().catch((err: unknown) => say(String(err), true)));
  }
}

function showStats(s: LiveSession): void {
  const stats = new StatsLine(s);
  setInterval(async () => {
    const v = await stats.sample().catch(() => undefined);
    if (!v) return;
    // A camera larger than the server draws live video (640×360 on a CPU server) comes back smaller.
    const size =
      v.sentWidth > v.width
        ? `${v.width}×${v.height} drawn from ${v.sentWidth}×${v.sentHeight}`
        : `${v.width}×${v.height}`;
    statsLine.textContent = `${v.fps.toFixed(1)} fps received · ${size} · latency ≈ ${Math.round(v.latencyMs)} ms (estimate)`;
    // For tests and scripts: the same figures, machine-readable.
    statsLine.dataset.fps = v.fps.toFixed(2);
    statsLine.dataset.framesDecoded = String(v.framesDecoded);
  }, 1000);
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const mode = params.get("mode") === "passthrough" ? "passthrough" : "sketch";
  const codec = params.get("codec") === "h264" ? "h264" : undefined;
  try {
    track = await openCamera(Number(sizeSelect.value) as SizeChoice);
    cameraVideo.srcObject = new MediaStream([track]);
    await fillCameraList();
    say("Connecting to the server…");
    session = await LiveSession.connect();
    // A handle for tests and scripts (pipeline statistics, controls) from the devtools console.
    (window as unknown as { sketchcastLive: LiveSession }).sketchcastLive = session;
    session.onDisconnect(() => say("Lost the connection to the server. Reload to reconnect.", true));
    session.onPipelineClosed((reason) =>
      say(
        reason === "no-media"
          ? "The server stopped sketching: no video arrived from this camera for several seconds. Reload to start again."
          : "The server ended this stream. Reload to start again.",
        true,
      ),
    );
    const sketch = await session.start(track, { mode, codec });
    sketchVideo.srcObject = new MediaStream([sketch]);
    say("");
    wireControls(session);
    showStats(session);
  } catch (err) {
    say(err instanceof CameraError || err instanceof Error ? err.message : String(err), true);
  }
}

void main();
