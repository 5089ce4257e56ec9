// /overlay.html?room=<room>[&peer=<id>][&ink=<css colour>][&paper=transparent|white][&token=<view token>]
// For an OBS Browser Source: the room's sketch (its WHIP publisher, else its first camera) over
// whatever is below it. Transparent while nothing is published; it reconnects by itself.
import { roomName } from "../../server/signaling/socketio/messages.js";
import { cssColor, PaperKey } from "./paper-key.js";
import { WhepPlayer } from "./whep-player.js";

const q = new URLSearchParams(location.search);
const room = q.get("room") ?? "";
const peer = q.get("peer");
const video = document.getElementById("sketch") as HTMLVideoElement;
const canvas = document.getElementById("overlay") as HTMLCanvasElement;
const key = new PaperKey(canvas, {
  ink: q.has("ink") ? cssColor(q.get("ink") ?? "") : undefined,
  transparentPaper: q.get("paper") !== "white",
});
// What the page is doing, for whoever looks (there is nothing visible to say it): data-state and
// the reason in data-why, the frames drawn in data-frames.
let frames = 0;
const state = (s: string, why: string) => {
  document.body.dataset.state = s;
  document.body.dataset.why = why;
  if (s === "waiting") key.clear();
};

const valid = roomName.safeParse(room);
if (!valid.success) {
  state("error", `the URL needs ?room=<name>: ${valid.error.issues[0]?.message}`);
} else {
  const path = `/whep/${room}${peer ? `/${encodeURIComponent(peer)}` : ""}`;
  const player = new WhepPlayer(new URL(path, location.href).href, q.get("token") ?? undefined, video, state);
  const draw = () => {
    if (video.videoWidth > 0) {
      key.draw(video);
      document.body.dataset.frames = String(++frames);
    }
    video.requestVideoFrameCallback(draw);
  };
  video.requestVideoFrameCallback(draw);
  state("waiting", "connecting");
  void player.run();
}
