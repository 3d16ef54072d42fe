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
 * Hands memory the process has freed back to the operating system: a full collection (which
 * also frees the native memory behind dead Buffers and typed arrays), then glibc's
 * `malloc_trim(0)`.
 *
 * Why: glibc returns freed memory only from the top of its heap. A burst of short-lived native
 * allocations (module compilation at start-up; the Buffers of a long gRPC stream, such as
 * schedule listing the timetable to search) leaves free holes below long-lived ones, which stay
 * resident for good. Measured on an idle schedule after search's first load: 13.5 MB free in
 * 728 chunks of glibc's main heap; `malloc_trim(0)` (which madvises those holes away) took its
 * RSS from 168 to 152 MB. Deno calls it after module loading for the same reason.
 *
 * Resolves to whether the trim ran (false where there is no glibc). Blocks the event loop for
 * the collection and the trim's walk: 50–170 ms measured in the local mesh's processes on a
 * quiet machine, up to ~300 ms on a loaded one (the collection is most of it). Call it when
 * the process is idle.
 */
export async function returnFreedMemory(): Promise<boolean> {
  const trim = await loadMallocTrim();
  collectGarbage();
  if (!trim) return false;
  trim(0);
  return true;
}
