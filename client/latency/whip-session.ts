// The latency page's other way through the server (`?transport=whip`): the generated video is
// published over WHIP as H264 packetization mode 1, Constrained Baseline (what OBS sends), and the
// sketch comes back over WHEP (what the overlay page plays). One offer each, no trickle: the server
// is ICE-lite and its answers carry its candidates.

/** POSTs the peer connection's offer to a WHIP/WHEP endpoint, sets the answer; resolves with the session URL. */
async function offerAnswer(pc: RTCPeerConnection, url: string, token?: string): Promise<string> {
  await pc.setLocalDescription(await pc.createOffer());
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/sdp", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: pc.localDescription?.sdp,
  });
  const body = await res.text();
  if (res.status !== 201) throw new Error(`${new URL(url).pathname}: ${res.status} ${body}`);
  await pc.setRemoteDescription({ type: "answer", sdp: body });
  return new URL(res.headers.get("location") ?? "", url).href;
}

function h264Like(c: RTCRtpCodec): boolean {
  const fmtp = c.sdpFmtpLine ?? "";
  return (
    c.mimeType === "video/H264" && /packetization-mode=1/.test(fmtp) && /profile-level-id=42e01f/.test(fmtp)
  );
}

export class WhipSession {
  private readonly publisher = new RTCPeerConnection();
  private readonly viewer = new RTCPeerConnection();
  private readonly resources: { url: string; token?: string }[] = [];

  constructor(
    private readonly room: string,
    private readonly token: string,
  ) {}

  /** Publishes `track` to the room (probe band on) and resolves with the room's sketch played over WHEP. */
  async start(track: MediaStreamTrack): Promise<MediaStreamTrack> {
    const send = this.publisher.addTransceiver(track, {
      direction: "sendonly",
      sendEncodings: [{ maxBitrate: 2_500_000 }],
    });
    const h264 = (RTCRtpSender.getCapabilities("video")?.codecs ?? []).filter(h264Like);
    if (!h264.length) throw new Error("this browser cannot send H264 (packetization mode 1, 42e01f)");
    send.setCodecPreferences(h264);
    const room = encodeURIComponent(this.room);
    const whip = await offerAnswer(this.publisher, `${location.origin}/whip/${room}?probe=1`, this.token);
    this.resources.push({ url: whip, token: this.token });
    const recv = this.viewer.addTransceiver("video", { direction: "recvonly" });
    this.resources.push({ url: await offerAnswer(this.viewer, `${location.origin}/whep/${room}`) });
    return recv.receiver.track;
  }

  /** WebRTC statistics of the upload (WHIP) and the download (WHEP), as LiveSession gives them. */
  async rtcStats(): Promise<{ up: RTCStatsReport; down: RTCStatsReport }> {
    return { up: await this.publisher.getStats(), down: await this.viewer.getStats() };
  }

  /** Ends both sessions (DELETE on their URLs) and both connections. */
  close(): void {
    for (const { url, token } of this.resources.splice(0))
      void fetch(url, {
        method: "DELETE",
        headers: token ? { authorization: `Bearer ${token}` } : {},
      }).catch(() => undefined);
    this.publisher.close();
    this.viewer.close();
  }
}
