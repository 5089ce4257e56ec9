/** What one benchmark file returns: a titled table plus notes (ratios, machine facts). */
export interface BenchSection {
  name: string;
  rows: Record<string, string | number>[];
  notes?: string[];
}

/** Median of a list of numbers (ms timings); the list must not be empty. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** The p-th percentile (0..100), nearest rank. */
export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[rank] as number;
}
