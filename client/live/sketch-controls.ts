// The sketch controls both live pages show (preview, call): style, detail and steady lines, in a
// form with the ids `style`, `detail`, `temporal`. The style list comes from the engine's own.
import { type StyleName, styleLabels, styleNames } from "../../server/engine/styles.js";

export interface SketchControlValues {
  style: StyleName;
  detail: number;
  temporal: boolean;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** Fills the style list, calls `onChange` with all three values on every change; returns a way to
 *  turn them off (nothing to draw differently) and on. */
export function wireSketchControls(onChange: (values: SketchControlValues) => void): {
  setDisabled: (disabled: boolean) => void;
} {
  const style = $<HTMLSelectElement>("style");
  const detail = $<HTMLInputElement>("detail");
  const temporal = $<HTMLInputElement>("temporal");
  style.replaceChildren(...styleNames.map((s) => new Option(styleLabels[s], s)));
  const read = (): SketchControlValues => ({
    style: style.value as StyleName,
    detail: Number(detail.value),
    temporal: temporal.checked,
  });
  for (const input of [style, detail, temporal]) input.addEventListener("input", () => onChange(read()));
  return {
    setDisabled: (disabled) => {
      for (const input of [style, detail, temporal]) input.disabled = disabled;
    },
  };
}
