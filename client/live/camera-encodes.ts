// Whether a producer's camera frames are being encoded. A camera whose frames WebRTC cannot encode (a
// depth or infrared one; Chromium's second fake camera is such a 16-bit depth device) gives a live
// track and no picture, which freezes the stream for everyone who watches it. The pages check after
// switching cameras and go back to the previous one with this message.
import type { types } from "mediasoup-client";

export const unencodableCamera =
  "That camera gives no picture the browser can send (a depth or infrared camera?): back to the previous one.";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** True when the producer encoded a frame within `ms`, counted from `settleMs` after a track switch:
 *  right after one the encoder may still be finishing frames of the track before. */
export async function cameraEncodes(producer: types.Producer, settleMs = 500, ms = 1500): Promise<boolean> {
  const encoded = async () => {
    let n = 0;
    for (const s of (await producer.getStats()).values())
      if (s.type === "outbound-rtp") n += s.framesEncoded ?? 0;
    return n;
  };
  await sleep(settleMs);
  const before = await encoded();
  await sleep(ms);
  return (await encoded()) > before;
}
