/** Nearest-rank percentiles of a sample, in the sample's unit. */
export function percentiles(sample: number[], ps = [50, 95, 99]): Record<string, number> {
  const sorted = [...sample].sort((a, b) => a - b);
  const out: Record<string, number> = {};
  for (const p of ps)
    out[`p${p}`] = sorted.length
      ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
      : NaN;
  return out;
}

export const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 1)} ms`;
