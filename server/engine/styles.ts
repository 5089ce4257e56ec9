// The drawing styles: what the network draws, what a viewer picks from, and what the pages call them
// (no schema library here, so a page that only lists styles stays small).
/** The styles the network draws (the model's `styles` metadata gives their input order). */
export const networkStyles = ["pencil", "ink", "charcoal"] as const;
export type NetworkStyle = (typeof networkStyles)[number];
/** What a viewer picks from: the network's styles, and colored pencil (colorize.ts). */
export const styleNames = [...networkStyles, "colored"] as const;
export type StyleName = (typeof styleNames)[number];
/** What the pages call each style. */
export const styleLabels: Record<StyleName, string> = {
  pencil: "Pencil",
  ink: "Ink",
  charcoal: "Charcoal",
  colored: "Colored pencil",
};

/** How a style is drawn: the network's style, and whether the drawing is then coloured by the frame
 *  (colored pencil is the pencil drawing in the frame's colours). */
export function drawnAs(style: StyleName): { network: NetworkStyle; color: boolean } {
  return style === "colored" ? { network: "pencil", color: true } : { network: style, color: false };
}
