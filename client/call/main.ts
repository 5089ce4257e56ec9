// The call page: `/call.html?room=<name>&name=<display name>` joins a room; without a room (or a
// name) a small form asks for them and comes back here with both in the URL.
import { displayName, roomName } from "../../server/signaling/socketio/messages.js";
import { unencodableCamera } from "../live/camera-encodes.js";
import { RequestRefusedError, ServerUnreachableError } from "../live/signaling.js";
import { wireSketchControls } from "../live/sketch-controls.js";
import { CameraError, fillCameraSelect, openCamera, openCameraAndMicrophone } from "../preview/camera.js";
import { CallSession, type Say } from "./call-session.js";
import { randomRoomName } from "./room-name.js";
import { TileGrid, type TileInfo } from "./tiles.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const message = $<HTMLParagraphElement>("message");
const nameKey = "sketchcast.callName";

const say: Say = (text, tone = "info") => {
  message.textContent = text;
  message.className = `message ${tone}`;
  message.hidden = text === "" || tone === "";
};

/** The form: a random room (or the one asked for), your name as last time. */
function showLobby(room: string | null): void {
  $("lobby").hidden = false;
  const roomInput = $<HTMLInputElement>("lobby-room");
  const nameInput = $<HTMLInputElement>("lobby-name");
  roomInput.value = room ?? randomRoomName();
  nameInput.value = localStorage.getItem(nameKey) ?? "";
  (room ? nameInput : roomInput).focus();
  $("lobby").addEventListener("submit", () => {
    localStorage.setItem(nameKey, nameInput.value.trim());
  });
}

function inviteLink(room: string): string {
  return `${location.origin}${location.pathname}?room=${encodeURIComponent(room)}`;
}

function wireRoomBar(room: string): void {
  $("room-bar").hidden = false;
  $("room-name").textContent = room;
  const button = $<HTMLButtonElement>("copy-link");
  const field = $<HTMLInputElement>("invite-link");
  field.value = inviteLink(room);
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      button.textContent = "Link copied";
      setTimeout(() => {
        button.textContent = "Copy invite link";
      }, 2000);
    } catch {
      // No clipboard (a plain-http address, or denied): show the link selected, to copy by hand.
      field.hidden = false;
      field.focus();
      field.select();
      button.textContent = "Copy the link (Ctrl+C)";
    }
  });
}

function wireButtons(call: CallSession): void {
  const mute = $<HTMLButtonElement>("mute");
  const camera = $<HTMLButtonElement>("camera-off");
  const fail = (err: unknown) => say(err instanceof Error ? err.message : String(err), "bad");
  mute.addEventListener("click", () => {
    const on = !call.isMuted;
    mute.setAttribute("aria-pressed", String(on));
    mute.textContent = on ? "Unmute" : "Mute";
    call.setMuted(on).catch(fail);
  });
  camera.addEventListener("click", () => {
    const off = !call.isCameraOff;
    camera.setAttribute("aria-pressed", String(off));
    camera.textContent = off ? "Camera on" : "Camera off";
    call.setCameraOff(off).catch(fail);
  });
  const sound = $<HTMLButtonElement>("sound");
  call.onSoundBlocked = () => {
    sound.hidden = false;
  };
  sound.addEventListener("click", () => {
    sound.hidden = true;
    void call.resumeSound();
  });
  const controls = wireSketchControls((values) => call.setControls(values).catch(fail));
  // An unsketched camera has nothing to switch off or to draw differently.
  call.onSketched = (sketched) => {
    camera.disabled = !sketched;
    controls.setDisabled(!sketched);
  };
  // Calls are drawn at tile size so a small server keeps up with several cameras: say so.
  call.onSketchSize = (size) => {
    $("sketch-size").textContent = size ? `Drawn at ${size.width}×${size.height}` : "";
  };
  $("leave").addEventListener("click", () => leave(call));
}

/** The camera picker: the cameras the browser lists (with labels once allowed), the one in use selected. */
async function wireCameraPicker(call: CallSession, current: MediaStreamTrack): Promise<void> {
  const select = $<HTMLSelectElement>("device");
  select.disabled = (await fillCameraSelect(select, current)) < 2;
  select.addEventListener("change", async () => {
    const previous = call.cameraDeviceId;
    try {
      await call.replaceCamera(await openCamera(360, select.value));
      if (await call.cameraEncodes()) return;
      await call.replaceCamera(await openCamera(360, previous));
      select.value = previous;
      say(unencodableCamera, "bad");
    } catch (err) {
      say(err instanceof Error ? err.message : String(err), "bad");
    }
  });
}

function leave(call: CallSession): void {
  call.leave();
  $("call").hidden = true;
  $("room-bar").hidden = true;
  say("", "");
  $<HTMLAnchorElement>("rejoin").href = location.href;
  $("left").hidden = false;
}

function explain(err: unknown): string {
  if (err instanceof CameraError) return err.message;
  if (err instanceof RequestRefusedError) {
    if (err.code === "room-full") return `This room is full (${err.message}). Try another room.`;
    if (err.code === "server-full")
      return `The server is full and cannot take this call now (${err.message}). Try again in a minute.`;
    return `The server refused the call: ${err.message}`;
  }
  if (err instanceof ServerUnreachableError) return err.message;
  return `The call could not start: ${err instanceof Error ? err.message : String(err)}`;
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const roomParam = params.get("room");
  const nameParam = params.get("name");
  if (roomParam === null) return showLobby(null);
  const room = roomName.safeParse(roomParam);
  if (!room.success) {
    const suggestion = randomRoomName();
    say(
      `"${roomParam}" cannot be a room name: use 1-64 letters, digits, _ or - (for example ${suggestion}).`,
      "bad",
    );
    return showLobby(suggestion);
  }
  const name = displayName.safeParse(nameParam ?? "");
  if (!name.success) return showLobby(room.data);

  const grid = new TileGrid($("grid"));
  const handle = {
    peerId: "",
    tiles: (): TileInfo[] => grid.all().map((t) => t.info()),
    leave: () => {},
    state: () => message.textContent ?? "",
    cameraDeviceId: () => "",
  };
  // For tests and scripts: who this page is in the call, and what its tiles show.
  (window as unknown as { sketchcastCall: typeof handle }).sketchcastCall = handle;
  wireRoomBar(room.data);
  say("Starting the camera and microphone…");
  try {
    const media = await openCameraAndMicrophone(360);
    $("call").hidden = false;
    grid.self(name.data);
    const call = new CallSession(room.data, name.data, media, grid, say);
    handle.leave = () => leave(call);
    handle.cameraDeviceId = () => call.cameraDeviceId;
    Object.defineProperty(handle, "peerId", { get: () => call.peerId });
    wireButtons(call);
    void wireCameraPicker(call, media.video);
    if (!media.audio) $<HTMLButtonElement>("mute").disabled = true;
    try {
      await call.start();
    } catch (err) {
      call.leave();
      $("call").hidden = true;
      throw err;
    }
  } catch (err) {
    say(explain(err), "bad");
  }
}

void main();
