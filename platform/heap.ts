import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

/**
 * One full, compacting garbage collection, for a process that has just finished starting.
 *
 * Start-up allocates far more than a process keeps (reference data parsed, a timetable
 * generated, every module compiled), and V8 keeps the heap it grew to until its memory reducer
 * decides to shrink it, which on an idle process may be never. Measured on an idle schedule
 * process 10 s after it was up: RSS 193 MB with a 76 MB heap of which 45 MB was live; after one
 * collection RSS 164 MB, heap 43 MB.
 *
 * Node has no API for a collection without `--expose-gc` on its command line (which the Docker
 * image and `npm run start:<name>` would all have to pass). Setting the flag at run time makes
 * `gc` exist in contexts created afterwards, so a new context hands it over without exposing it
 * to the application's own global scope. Blocks the event loop for the collection (~20–60 ms).
 */
export function collectGarbage(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

/** glibc's `malloc_trim`, bound on first use; null where the C library has none (musl, macOS). */
let mallocTrim: Promise<((pad: number) => number) | null> | undefined;

/**
 * glibc's `malloc_trim` through koffi (a maintained FFI with prebuilt binaries; Node has no API
 * for it and a native addon of our own would need a compiler at install time). Looked up in the
 * running process itself, so it is whatever C library node was linked against.
 */
export function loadMallocTrim(): Promise<((pad: number) => number) | null> {
  mallocTrim ??= import('koffi').then(
    (koffi) => {
      try {
        const trim = koffi.default.load(null).func('int malloc_trim(size_t pad)');
        return (pad: number) => trim(pad) as number;
      } catch {
        return null;
      }
    },
    () => null,
  );
  return mallocTrim;
}

/**
 * How long after one full collection the next can shrink V8's young generation (ms). V8 shrinks
 * it (back from up to 2 × 16 MB to 1 MB) only at a full collection made while the allocation rate
 * it measured over about the last 5 s is low, so a process just out of a busy period needs that
 * long with little allocated first. Measured in plain node 20: a collection 2 s into idleness
 * left the young generation at 32 MB; another 5.5 s later took it to 1 MB and RSS 20 MB lower.
 */
export const YOUNG_GENERATION_SHRINK_DELAY_MS = 5_500;

/** What returnFreedMemory did. */
export interface Release {
  /**
   * Whether the second collection and the trim ran: not when the process had got busy meanwhile
   * (`idleBelow`) (its memory is in use again; the caller releases at its next idle time).
   */
  completed: boolean;
  /** Whether glibc's malloc_trim ran (false where there is no glibc, or not `completed`). */
  trimmed: boolean;
  /** How long the event loop was blocked, ms: the two collections and the trim. */
  pausedMs: number;
}

/**
 * Hands memory the process has freed back to the operating system: a full collection, another
 * one YOUNG_GENERATION_SHRINK_DELAY_MS later (the first frees what is dead, the second gives back
 * the young generation a busy period grew, when little was allocated in between; each also frees
 * the native memory behind dead Buffers and typed arrays), then glibc's `malloc_trim(0)`.
 *
 * Why the trim: glibc returns freed memory only from the top of its heap. A burst of short-lived
 * native allocations (module compilation at start-up; the Buffers of a long gRPC stream, such as
 * schedule listing the timetable to search) leaves free holes below long-lived ones, which stay
 * resident for good. Measured on an idle schedule after search's first load: 13.5 MB free in
 * 728 chunks of glibc's main heap; `malloc_trim(0)` (which madvises those holes away) took its
 * RSS from 168 to 152 MB. Deno calls it after module loading for the same reason.
 *
 * Takes YOUNG_GENERATION_SHRINK_DELAY_MS and more; blocks the event loop for the collections and
 * the trim's walk: 50–170 ms measured in the local mesh's processes on a quiet machine, up to
 * ~300 ms on a loaded one (the collections are most of it). Call it when the process is idle;
 * with `idleBelow`, the second collection and the trim are skipped when the event loop's
 * utilisation (0–1) during the wait reached it: the process got busy meanwhile.
 */
export async function returnFreedMemory(options: { idleBelow?: number } = {}): Promise<Release> {
  const trim = await loadMallocTrim();
  let pausedMs = timed(collectGarbage);
  // Measured from after the first collection, so its own pause does not count as work.
  const since = performance.eventLoopUtilization();
  await sleep(YOUNG_GENERATION_SHRINK_DELAY_MS, undefined, { ref: false });
  const busyMeanwhile = performance.eventLoopUtilization(
    performance.eventLoopUtilization(),
    since,
  ).utilization;
  if (busyMeanwhile >= (options.idleBelow ?? 1))
    return { completed: false, trimmed: false, pausedMs };
  pausedMs += timed(collectGarbage);
  if (trim) pausedMs += timed(() => trim(0));
  return { completed: true, trimmed: trim !== null, pausedMs };
}

function timed(run: () => unknown): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}
