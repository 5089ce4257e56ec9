// The WHIP/WHEP SDP mapping on recorded offers (OBS 32.2, FFmpeg 9's whip muxer, Chromium 156),
// checked against a real mediasoup worker: the mapped parameters must be ones mediasoup produces
// with, and the answer must be what those clients need (ICE-lite with candidates, the DTLS role,
// their payload types, every section in order).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { types } from "mediasoup";
import { parse } from "sdp-transform";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadConfig } from "../../server/config/load.js";
import { routerCodecs } from "../../server/media/router-codecs.js";
import { repoRoot } from "../../server/paths.js";
import { publishPlan } from "../../server/signaling/sdp/publish-mapping.js";
import { answerSdp } from "../../server/signaling/sdp/sdp-answer.js";
import { parseOffer, SdpError } from "../../server/signaling/sdp/sdp-offer.js";
import { viewAnswer, viewerCapabilities } from "../../server/signaling/sdp/view-mapping.js";

const fixture = (name: string) => readFileSync(join(repoRoot, "test/fixtures/whip", name), "utf8");

let worker: types.Worker;
let router: types.Router;

beforeAll(async () => {
  process.env.MEDIASOUP_WORKER_BIN = loadConfig({}, {}).mediasoup.workerBin;
  const mediasoup = await import("mediasoup");
  worker = await mediasoup.createWorker({ logLevel: "warn", rtcMinPort: 47000, rtcMaxPort: 47099 });
  router = await worker.createRouter({ mediaCodecs: routerCodecs });
});

afterAll(() => worker?.close());

async function transport() {
  const t = await router.createWebRtcTransport({
    listenIps: [{ ip: "127.0.0.1" }],
    enableUdp: true,
    enableTcp: true,
  });
  const { id, iceParameters, iceCandidates, dtlsParameters } = t;
  return { t, info: { id, iceParameters, iceCandidates, dtlsParameters } };
}

const offers = [
  { file: "whip-offer-obs.sdp", codec: "H264", videoPt: 96, profile: "42e01f", setup: "passive" },
  { file: "whip-offer-ffmpeg.sdp", codec: "H264", videoPt: 106, profile: "42001e", setup: "active" },
  {
    file: "whip-offer-ffmpeg-dtls-active.sdp",
    codec: "H264",
    videoPt: 106,
    profile: "42001e",
    setup: "passive",
  },
  // Chromium prefers VP8 (its first codec)
  { file: "whip-offer-chromium.sdp", codec: "VP8", videoPt: 96, profile: undefined, setup: "passive" },
];

describe.each(offers)("WHIP offer $file", ({ file, codec, videoPt, profile, setup }) => {
  test("maps to producers mediasoup accepts and an answer the client can use", async () => {
    const offer = parseOffer(fixture(file));
    expect(offer.sections.map((s) => [s.mid, s.kind])).toEqual([
      ["0", "audio"],
      ["1", "video"],
    ]);
    const plans = offer.sections.map((s) => publishPlan(s, router.rtpCapabilities));
    const video = plans[1]?.producer?.rtpParameters;
    expect(plans[0]?.producer?.rtpParameters.codecs[0]).toMatchObject({
      mimeType: "audio/opus",
      payloadType: 111,
    });
    expect(video?.codecs).toHaveLength(1);
    expect(video?.codecs[0]?.payloadType).toBe(videoPt);
    if (profile) expect(video?.codecs[0]?.parameters?.["profile-level-id"]).toBe(profile);
    expect(video?.encodings?.[0]?.ssrc).toBe(offer.sections[1]?.ssrc);

    const { t, info } = await transport();
    try {
      for (const plan of plans) {
        const producer = await t.produce(
          plan.producer as { kind: types.MediaKind; rtpParameters: types.RtpParameters },
        );
        expect(producer.kind).toBe(plan.producer?.kind);
      }
      const answer = parse(
        answerSdp(
          offer,
          info,
          plans.map((p) => p.answer),
        ),
      );
      expect(answer.icelite).toBe("ice-lite");
      expect(answer.groups?.[0]).toEqual({ type: "BUNDLE", mids: "0 1" });
      expect(answer.fingerprint?.type).toBe("sha-256");
      for (const [i, m] of answer.media.entries()) {
        expect(String(m.mid)).toBe(String(i));
        expect(m.direction).toBe("recvonly");
        expect(m.setup).toBe(setup);
        expect(m.candidates?.length).toBeGreaterThan(0);
        expect(m.iceUfrag).toBe(info.iceParameters.usernameFragment);
      }
      expect(String(answer.media[1]?.payloads)).toBe(String(videoPt));
      expect(answer.media[1]?.rtp).toEqual([{ payload: videoPt, codec, rate: 90000 }]);
      // no simulcast: the rid extensions OBS offers are not taken, its mid extension is
      expect(answer.media[1]?.ext?.map((e) => e.uri) ?? []).not.toContain(
        "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
      );
    } finally {
      t.close();
    }
  });
});

test("Chromium's offer: the feedback both sides support is kept, RTX is not taken", () => {
  const offer = parseOffer(fixture("whip-offer-chromium.sdp"));
  const plan = publishPlan(offer.sections[1] as (typeof offer.sections)[number], router.rtpCapabilities);
  expect(plan.answer.codec?.rtcpFeedback.map((f) => `${f.type} ${f.parameter}`.trim())).toContain("nack pli");
  expect(plan.producer?.rtpParameters.codecs.map((c) => c.mimeType)).toEqual(["video/VP8"]);
});

test("a viewer's offer becomes capabilities its consumer uses with the viewer's own payload types", async () => {
  // Chromium's offer, turned into a recvonly one, stands for a WHEP player.
  const offer = parseOffer(fixture("whip-offer-chromium.sdp").replace(/a=sendonly/g, "a=recvonly"));
  const section = offer.sections[1] as (typeof offer.sections)[number];
  const { t: send } = await transport();
  const { t: recv, info } = await transport();
  try {
    const vp8 = { mimeType: "video/VP8", payloadType: 120, clockRate: 90000 };
    const producer = await send.produce({
      kind: "video",
      rtpParameters: { codecs: [vp8], encodings: [{ ssrc: 1234 }] },
    });
    const consumer = await recv.consume({
      producerId: producer.id,
      rtpCapabilities: viewerCapabilities(section),
      paused: true,
    });
    const offeredVp8 = section.codecs.find((c) => c.name === "VP8");
    expect(consumer.rtpParameters.codecs[0]?.payloadType).toBe(offeredVp8?.payloadType);
    const answer = parse(answerSdp(offer, info, [viewAnswer(section, consumer, "s1")]));
    expect(answer.media[0]?.direction).toBe("sendonly");
    expect(answer.media[0]?.ssrcs?.find((s) => s.attribute === "cname")?.id).toBe(
      consumer.rtpParameters.encodings?.[0]?.ssrc,
    );
  } finally {
    send.close();
    recv.close();
  }
});

describe("malformed offers are refused with a reason", () => {
  const obs = fixture("whip-offer-obs.sdp");
  const cases: [string, string, RegExp][] = [
    ["empty", "", /must start with v=0/],
    ["not SDP", "hello", /must start with v=0/],
    ["no media", "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", /no media sections/],
    ["no fingerprint", obs.replace(/a=fingerprint:.*\r\n/g, ""), /no DTLS fingerprint/],
    ["plain RTP", obs.replace(/UDP\/TLS\/RTP\/SAVPF/g, "RTP/AVP"), /UDP\/TLS\/RTP\/SAVPF/],
    ["no rtcp-mux", obs.replace(/a=rtcp-mux\r\n/g, ""), /rtcp-mux/],
    ["not bundled", obs.replace(/a=group:BUNDLE 0 1/, "a=group:BUNDLE 0"), /BUNDLE/],
    ["no mid", obs.replace(/a=mid:1\r\n/, ""), /no a=mid/],
    [
      "bad payload type",
      obs
        .replace("m=video 9 UDP/TLS/RTP/SAVPF 96", "m=video 9 UDP/TLS/RTP/SAVPF 300")
        .replace(/:96 /g, ":300 "),
      /0\.\.127/,
    ],
  ];
  test.each(cases)("%s", (_name, sdp, reason) => {
    expect(() => parseOffer(sdp)).toThrow(SdpError);
    expect(() => parseOffer(sdp)).toThrow(reason);
  });

  test("video the router cannot take is rejected, with the reason", () => {
    const offer = parseOffer(obs.replace(/H264\/90000/, "AV1/90000"));
    const plan = publishPlan(offer.sections[1] as (typeof offer.sections)[number], router.rtpCapabilities);
    expect(plan.producer).toBeUndefined();
    expect(plan.answer.rejected).toMatch(/AV1 is supported/);
    const high = parseOffer(obs.replace("profile-level-id=42e01f", "profile-level-id=640c1f"));
    expect(
      publishPlan(high.sections[1] as (typeof high.sections)[number], router.rtpCapabilities).producer,
    ).toBeUndefined();
  });
});
