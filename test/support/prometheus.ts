/** One line of the Prometheus text format: a series and its value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * Reads the Prometheus text exposition format into samples (comments and TYPE/HELP lines are
 * skipped). Written here because no maintained npm package parses it; the format itself is
 * checked by `promtool check metrics` in test/metrics/mesh-metrics.test.ts.
 */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (!match) throw new Error(`not a Prometheus sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, raw] of (match[2] ?? '').matchAll(LABEL))
      labels[key!] = raw!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** GET a /metrics endpoint and parse it. */
export async function scrape(url: string): Promise<Sample[]> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return parseExposition(await res.text());
}

/** Sum of the samples of a series name whose labels include all of `where`. */
export function total(
  samples: Sample[],
  name: string,
  where: Record<string, string | number> = {},
): number {
  return samples
    .filter(
      (s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === String(v)),
    )
    .reduce((sum, s) => sum + s.value, 0);
}
