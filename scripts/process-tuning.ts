/**
 * How every process of the mesh is run for memory: the launcher passes these to each child
 * (scripts/mesh.ts), and the Docker image sets the same as NODE_OPTIONS and environment
 * (test/deploy/compose.test.ts checks they agree).
 */

/**
 * V8's young generation capped at 4 MB per semi-space (default 16 MB): start-up's module loading
 * grows it to the cap and V8 keeps it, ~25 MB of each idle process's RSS (measured: pricing
 * 211 → 187 MB; 2 MB saves no more). Short-lived per-call garbage is collected just as well,
 * in more, smaller scavenges.
 *
 * What it costs a busy process, measured (2026-12-03, `bench:bff`'s search, same machine, minutes
 * apart): CPU per search with 16 MB semi-spaces instead, BFF 3.41 → 2.54 ms, search 2.76 → 2.29,
 * pricing 1.41 → 1.17. Not taken: V8 gives a grown young generation back only at a full
 * collection after ~5 s of allocating little (a collection 5 s after the previous one shrank it
 * from 32 MB to 1 MB in a plain node; 3 or 4 s after, it did not), and in the mesh even the idle
 * release's collection 6 s into idleness left booking's and search's at 32 MB: booking idled at
 * 152 MB against 136, search at 145 against 118. Tried again (2026-12-03, evening) with the idle
 * release's two collections 5.5 s apart (platform/heap.ts): booking's young generation shrank,
 * pricing's did not (32 MB minutes later: a process that keeps allocating a little, here its
 * feeds' heartbeats, may never look idle enough to V8), and
 * `bench:schedule` moved within its noise (0.397 uncapped, 0.391 capped, three rounds each). The
 * cap stays; with it the young generation is at most 8 MB, and the idle release's two collections
 * bring idle RSS down as measured in services/schedule/README.md.
 */
export const NODE_FLAGS = [
  '--max-semi-space-size=4',
  // One helper thread for V8's background work (concurrent marking, compile jobs) instead of
  // four: on two cores the others only queued, and each kept its own memory (schedule idle
  // 168 → 158 MB, booking 147 → 143, measured; CPU per GetFlight unchanged within noise).
  '--v8-pool-size=1',
];
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
    ...NODE_FLAGS,
    ...(options.nodeOptions ?? []),
    'scripts/start.mjs',
    ...(options.telemetry === false ? ['--no-telemetry'] : []),
    entry,
  ];
}
