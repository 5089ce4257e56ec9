// Whether a producer's camera frames are being encoded. A camera whose frames WebRTC cannot encode (a
// depth or infrared one; Chromium's second fake camera is such a 16-bit depth device) gives a live
// track and no picture, which freezes the stream for everyone who watches it. The pages check after
// switching cameras and go back to the previous one with this message.
import type { types } from "mediasoup-client";

export const unencodableCamera =
  "That camera gives no picture the browser can send (a depth or infrared camera?): back to the previous one.";

/** True when the producer encoded at least one frame within `ms`. */
export async function cameraEncodes(producer: types.Producer, ms = 1500): Promise<boolean> {
  const encoded = async () => {
    let n = 0;
    for (const s of (await producer.getStats()).values())
      if (s.type === "outbound-rtp") n += s.framesEncoded ?? 0;
    return n;
  };
  const before = await encoded();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return (await encoded()) > before;
}
