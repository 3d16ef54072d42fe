/**
 * How every process of the mesh is run for memory: the launcher passes these to each child
 * (scripts/mesh.ts), and the Docker image sets the same as NODE_OPTIONS and environment
 * (test/deploy/compose.test.ts checks they agree).
 */

/**
 * V8's young generation capped at 4 MB per semi-space (default 16 MB) in most processes:
 * start-up's module loading grows it to the cap and V8 keeps it, ~25 MB of each idle process's
 * RSS (measured: pricing 211 → 187 MB; 2 MB saves no more). V8 gives a grown young generation
 * back only at a full collection after ~5 s of allocating little, which the idle release
 * arranges (platform/heap.ts) but a process that keeps allocating a little may never give
 * (pricing's stayed at 32 MB minutes after its traffic stopped, its feeds' heartbeats going on).
 *
 * The read path's processes are the exception: per request they make far more short-lived
 * garbage than the others (a 20-itinerary search is ~36 KB of JSON in the BFF, its protobuf in
 * search and pricing), and a 4 MB young generation made garbage collection ~21–25 % of their
 * CPU under load (profiled with `npm run bench:bff`, 2026-12-03, night). With V8's default,
 * A/B over two interleaved rounds, CPU per search: BFF 4.32, 4.00 → 3.32, 3.29 ms; pricing
 * 1.89, 1.78 → 1.38, 1.40; search 3.31, 3.30 → 2.94, 3.11; searches/s through the BFF 105,
 * 138 → 177, 170. They have the headroom under the 150 MB idle budget for a young generation
 * V8 may keep (up to 2 × 16 MB), where schedule and booking do not; SEMI_SPACE_MB says which.
 * Booking reads and GetFlight moved within their noise, so those processes keep the cap.
 */
const SEMI_SPACE_MB: Record<string, number> = {
  'bff/main.ts': 16,
  'services/search/main.ts': 16,
  'services/pricing/main.ts': 16,
};
/** The young generation's cap of every process not in SEMI_SPACE_MB, MB per semi-space. */
const DEFAULT_SEMI_SPACE_MB = 4;

/**
 * The V8 flags of the mesh's process started from `entry` (its path from the repository's
 * root, e.g. `services/pricing/main.ts`; anything else gets the default cap).
 */
export function nodeFlags(entry = ''): string[] {
  return [
    `--max-semi-space-size=${SEMI_SPACE_MB[entry] ?? DEFAULT_SEMI_SPACE_MB}`,
    // One helper thread for V8's background work (concurrent marking, compile jobs) instead of
    // four: on two cores the others only queued, and each kept its own memory (schedule idle
    // 168 → 158 MB, booking 147 → 143, measured; CPU per GetFlight unchanged within noise).
    '--v8-pool-size=1',
  ];
}
/**
 * glibc's malloc makes an arena per thread that allocates (up to 8 per core): each idle process
 * kept ~3–4 MB more resident with them (pricing 155 → 151 MB, measured). Two arenas are plenty
 * for a process whose JavaScript runs on one thread. And glibc raises its trim and mmap
 * thresholds each time a large block is freed (up to 32 MB), after which it keeps that much
 * freed memory instead of returning it: fixed at its defaults (128 KiB), an idle schedule's
 * malloc heap is 19 → 10–12 MB (with the flag above: schedule 158 → 153 MB, booking 143 →
 * 136). The environment's own values win.
 */
export const MALLOC_ENV = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_TRIM_THRESHOLD_: '131072',
  MALLOC_MMAP_THRESHOLD_: '131072',
};

/**
 * MALLOC_ENV, the environment's own values kept (`MALLOC_ARENA_MAX=8 npm run bench:…` wins), for
 * a child whose environment is built as `{ ...process.env, ...these }`.
 */
export function mallocEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return Object.fromEntries(Object.entries(MALLOC_ENV).map(([k, v]) => [k, env[k] ?? v]));
}

/**
 * The node command line `npm start` runs one process of the mesh with (scripts/mesh.ts): these
 * flags, then scripts/start.mjs (the compiled JavaScript when built, the telemetry preload unless
 * `telemetry: false`) and the entry, e.g. `services/schedule/main.ts`. `nodeOptions` go before
 * the script (benchmarks add `--cpu-prof`). Run it with MALLOC_ENV under the process's own
 * environment. The benchmarks start their services with it, so they measure what `npm start` runs.
 */
export function meshProcessArgs(
  entry: string,
  options: { telemetry?: boolean; nodeOptions?: string[] } = {},
): string[] {
  return [
    ...nodeFlags(entry),
    ...(options.nodeOptions ?? []),
    'scripts/start.mjs',
    ...(options.telemetry === false ? ['--no-telemetry'] : []),
    entry,
  ];
}
