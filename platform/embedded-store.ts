/**
 * Opening the embedded store (PGlite: PostgreSQL compiled to WebAssembly) so that an idle process
 * stays small and a first start is quick. Measured on PGlite 0.5 (figures in the root README, "Start-up and memory"):
 *
 * - `initdb` (the first open of an empty directory) peaks at ~600 MB of WebAssembly memory that
 *   the process never gives back: a service that initialised its own store idled at ~800 MB.
 *   Here it runs once, in a short-lived child process, into a template directory kept in the
 *   user's cache; every empty data directory starts as a copy of it (40 MB, well under a second,
 *   against 5–15 s of initdb per store).
 * - `shared_buffers` defaults to 128 MB, all of it touched sooner or later; these stores hold
 *   megabytes, so 8 MB is plenty.
 * - V8 compiles pglite.wasm (9 MB) twice, baseline (Liftoff) then optimised (TurboFan), and keeps
 *   both: ~45 MB. Liftoff alone opens the store faster and costs ~1.3× per statement, which these
 *   stores can spare (hot reads are served from memory by the services).
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import type { PGlite } from '@electric-sql/pglite';
import type { Logger } from './logger.js';

/** postgresql.conf of every embedded store: small buffers, no checkpoint noise. */
const SETTINGS = ['shared_buffers = 8MB', 'temp_buffers = 1MB', 'wal_buffers = 256kB'];

/** Where initialised templates are kept, one per PGlite build (`~/.cache/flight-mesh`). */
export function defaultCacheDir(): string {
  return (
    process.env.FLIGHT_MESH_CACHE ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'flight-mesh')
  );
}

const initialised = (dir: string) => existsSync(path.join(dir, 'PG_VERSION'));

/**
 * Runs initdb into `target` in a child process (its memory goes back to the OS when it exits).
 * Several processes may race to make the template: each builds its own copy and renames it into
 * place; the first rename wins and the others drop theirs.
 */
function buildTemplate(target: string, pgliteUrl: string, log: Logger): void {
  const building = `${target}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(path.dirname(target), { recursive: true });
  const started = performance.now();
  const script = `const { PGlite } = await import(${JSON.stringify(pgliteUrl)});
const db = await PGlite.create(${JSON.stringify(building)});
await db.close();`;
  const child = spawnSync(
    process.execPath,
    ['--liftoff-only', '--input-type=module', '-e', script],
    { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' },
  );
  if (child.status !== 0 || !initialised(building)) {
    rmSync(building, { recursive: true, force: true });
    throw new Error(`embedded store initdb failed: ${child.stderr || child.error?.message}`);
  }
  try {
    renameSync(building, target);
  } catch {
    rmSync(building, { recursive: true, force: true }); // another process was first
  }
  log.info(
    { template: target, ms: Math.round(performance.now() - started) },
    'embedded store template initialised',
  );
}

/** Makes `dir` an initialised data directory (a copy of the template) unless it is one. */
function ensureInitialised(dir: string, template: string, pgliteUrl: string, log: Logger): void {
  if (initialised(dir)) return;
  if (existsSync(dir) && readdirSync(dir).length > 0)
    throw new Error(`${dir} is neither empty nor an embedded store: refusing to overwrite it`);
  if (!initialised(template)) buildTemplate(template, pgliteUrl, log);
  // Copied beside, then renamed: a crash mid-copy never leaves a half-made store behind.
  mkdirSync(path.dirname(dir), { recursive: true });
  const copying = `${dir}.copying-${process.pid}`;
  rmSync(copying, { recursive: true, force: true });
  cpSync(template, copying, { recursive: true });
  rmSync(dir, { recursive: true, force: true });
  renameSync(copying, dir);
}

/**
 * Opens (creating if need be) the embedded store in `dir`, tuned as described above. The
 * template is kept under `cacheDir` (default: $FLIGHT_MESH_CACHE, else ~/.cache/flight-mesh).
 * Throws when `dir` holds something other than a store, or initdb fails.
 */
export async function openEmbeddedStore(
  dir: string,
  log: Logger,
  cacheDir = defaultCacheDir(),
): Promise<PGlite> {
  // Before PGlite compiles its module: the flag only applies to modules compiled after it.
  v8.setFlagsFromString('--liftoff-only');
  const { PGlite } = await import('@electric-sql/pglite');
  // The package's entry (dist/index.cjs) for the child, and its package.json for the version
  // (its exports map does not offer package.json).
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const manifest = path.join(path.dirname(entry), '..', 'package.json');
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  const template = path.join(cacheDir, `pglite-${version}-template`);
  ensureInitialised(dir, template, pathToFileURL(entry).href, log);
  return PGlite.create(dir, { postgresqlconf: SETTINGS });
}
