// What a viewer can change per stream, between any two frames, and the one schema every front end
// (socket.io, WHIP URLs, the frame API) validates a change with.
import { z } from "zod";
import { type StyleName, styleNames } from "./styles.js";

export interface SketchControls {
  style: StyleName;
  /** 0 = fewer, bolder lines … 1 = more detail. */
  detail: number;
  /** Condition each frame on the previous drawing, warped by optical flow. */
  temporal: boolean;
}

export const defaultControls: SketchControls = { style: "pencil", detail: 0.5, temporal: true };

/** Throws a RangeError naming the bad control; callers validate user input before this. */
export function checkControls(c: SketchControls): void {
  if (!styleNames.includes(c.style))
    throw new RangeError(`unknown style "${c.style}": expected ${styleNames.join(", ")}`);
  if (!(c.detail >= 0 && c.detail <= 1)) throw new RangeError(`detail ${c.detail} is outside 0..1`);
}

/** A change to some of the controls, as a client sends it (unknown keys refused). */
export const controlsPatch = z
  .object({
    style: z.enum(styleNames).optional(),
    detail: z.number().min(0).max(1).optional(),
    temporal: z.boolean().optional(),
  })
  .strict();
