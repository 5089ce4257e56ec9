import type { types } from "mediasoup";

/**
 * Asks the browser for a keyframe now and every 0.5 s until the returned stop() is called (on the
 * first decoded frame): a decoder that joins mid-stream can only start at a keyframe, and the
 * first request often arrives before ffmpeg sees packets.
 */
export function requestKeyFramesUntilStopped(consumer: types.Consumer): () => void {
  const ask = () => void consumer.requestKeyFrame().catch(() => {});
  ask();
  const timer = setInterval(ask, 500);
  return () => clearInterval(timer);
}
