import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface LoadResult {
  rps: number;
  count: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
}

interface GhzReport {
  rps: number;
  count: number;
  statusCodeDistribution?: Record<string, number>;
  latencyDistribution: Array<{ percentage: number; latency: number }>;
}

/** Drives one unary method with ghz (an outside load generator) and returns rps and percentiles in ms. */
export async function ghzLoad(
  ghz: string,
  options: {
    target: string;
    call: string;
    data: object;
    protoset: string;
    concurrency: number;
    seconds: number;
  },
): Promise<LoadResult> {
  const { stdout } = await run(
    ghz,
    [
      '--insecure',
      '--protoset',
      options.protoset,
      '--call',
      options.call,
      '-d',
      JSON.stringify(options.data),
      '-c',
      String(options.concurrency),
      '-z',
      `${options.seconds}s`,
      '--connections',
      '4',
      '--format',
      'json',
      options.target,
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const report = JSON.parse(stdout) as GhzReport;
  const at = (p: number) =>
    (report.latencyDistribution.find((d) => d.percentage === p)?.latency ?? NaN) / 1e6;
  const ok = report.statusCodeDistribution?.OK ?? 0;
  return {
    rps: report.rps,
    count: report.count,
    errors: report.count - ok,
    p50: at(50),
    p95: at(95),
    p99: at(99),
  };
}

export function printComparison(
  title: string,
  rows: Array<[string, LoadResult]>,
  baseline: LoadResult,
): void {
  const fmt = (n: number, d = 2) => n.toFixed(d).padStart(9);
  process.stdout.write(`\n${title}\n`);
  process.stdout.write(
    `${'variant'.padEnd(28)}${'req/s'.padStart(10)}${'p50 ms'.padStart(9)}${'p95 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'errors'.padStart(8)}${'× base req/s'.padStart(14)}${'× base p99'.padStart(12)}\n`,
  );
  for (const [name, r] of rows) {
    process.stdout.write(
      `${name.padEnd(28)}${r.rps.toFixed(0).padStart(10)}${fmt(r.p50)}${fmt(r.p95)}${fmt(r.p99)}${String(r.errors).padStart(8)}${fmt(r.rps / baseline.rps).padStart(14)}${fmt(r.p99 / baseline.p99).padStart(12)}\n`,
    );
  }
}
