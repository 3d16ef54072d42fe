/**
 * Opening the embedded store (PGlite: PostgreSQL compiled to WebAssembly) so that an idle process
 * stays small and a first start is quick. Measured on PGlite 0.5 (figures in docs/benchmarks.md, "Start-up and memory"):
 *
 * - `initdb` (the first open of an empty directory) peaks at ~600 MB of WebAssembly memory that
 *   the process never gives back: a service that initialised its own store idled at ~800 MB.
 *   Here it runs once, in a short-lived child process, into a template directory kept in the
 *   user's cache; every empty data directory starts as a copy of it (40 MB, well under a second,
 *   against 5–15 s of initdb per store).
 * - `shared_buffers` defaults to 128 MB. PostgreSQL touches all of it when it opens (it sets up
 *   the buffer pool in its shared memory, which here is WebAssembly memory that never shrinks):
 *   WebAssembly memory resident right after opening, measured: 8 MB → 17.2 MB, 2 MB → 11.2 MB
 *   (1 MB gives no less). These stores hold megabytes and the services serve hot reads from their
 *   own memory, so 256 pages of cache are plenty; a miss is a read of the data file.
 * - V8 compiles pglite.wasm (9 MB) twice, baseline (Liftoff) then optimised (TurboFan), and keeps
 *   both: ~45 MB. Liftoff alone opens the store faster and costs ~1.3× per statement, which these
 *   stores can spare (hot reads are served from memory by the services).
 */
import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import type { PGlite } from '@electric-sql/pglite';
import type { Logger } from './logger.js';

/**
 * postgresql.conf of every embedded store: small buffers, and shared memory sized for the one
 * backend PGlite runs (max_connections sizes the process and lock tables: 100 by default, ~5 MB).
 */
const SETTINGS = [
  'shared_buffers = 2MB',
  'temp_buffers = 1MB',
  'wal_buffers = 256kB',
  'max_connections = 2',
];

/** Where initialised templates are kept, one per PGlite build (`~/.cache/flight-mesh`). */
export function defaultCacheDir(): string {
  return (
    process.env.FLIGHT_MESH_CACHE ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'flight-mesh')
  );
}

const initialised = (dir: string) => existsSync(path.join(dir, 'PG_VERSION'));

/** Runs `node args…` and resolves with its exit status and stderr (the event loop keeps going). */
function runNode(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => resolve({ status: null, stderr: err.message }));
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

/**
 * Runs initdb into `target` in a child process (its memory goes back to the OS when it exits),
 * built beside it and renamed into place, so a crash never leaves a half-made template.
 */
async function buildTemplate(target: string, pgliteUrl: string, log: Logger): Promise<void> {
  const building = `${target}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  const started = performance.now();
  const script = `const { PGlite } = await import(${JSON.stringify(pgliteUrl)});
const db = await PGlite.create(${JSON.stringify(building)});
await db.close();`;
  const child = await runNode(['--liftoff-only', '--input-type=module', '-e', script]);
  if (child.status !== 0 || !initialised(building)) {
    rmSync(building, { recursive: true, force: true });
    throw new Error(`embedded store initdb failed: ${child.stderr}`);
  }
  rmSync(target, { recursive: true, force: true });
  renameSync(building, target);
  log.info(
    { template: target, ms: Math.round(performance.now() - started) },
    'embedded store template initialised',
  );
}

/** True while the process that wrote `lock`/pid runs (or the lock is too new to hold a pid). */
function lockHeld(lock: string): boolean {
  try {
    const pid = Number(readFileSync(path.join(lock, 'pid'), 'utf8'));
    process.kill(pid, 0); // throws ESRCH once that process is gone
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EPERM') return true; // alive, someone else's
    // No pid yet: its owner made the directory a moment ago (or died right then; give it 30 s).
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return existsSync(lock) && Date.now() - statSync(lock).mtimeMs < 30_000;
    return false;
  }
}

/**
 * The initialised template for this PGlite build under `cacheDir`, made if missing. initdb is
 * the costliest step of a first start (seconds of CPU), so when several processes start at once
 * (`npm start` opens three stores, and its launcher asks for the template before any of them)
 * exactly one runs it: the holder of `<template>.lock` (a directory, made atomically, with the
 * holder's pid); the others wait for the template, and take the lock over if its holder died.
 */
export async function ensureTemplate(log: Logger, cacheDir = defaultCacheDir()): Promise<string> {
  // The package's entry (dist/index.cjs) for the child, and its package.json for the version
  // (its exports map does not offer package.json).
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const manifest = path.join(path.dirname(entry), '..', 'package.json');
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  const template = path.join(cacheDir, `pglite-${version}-template`);
  const lock = `${template}.lock`;
  mkdirSync(cacheDir, { recursive: true });
  while (!initialised(template)) {
    try {
      mkdirSync(lock);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (!lockHeld(lock)) rmSync(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    try {
      writeFileSync(path.join(lock, 'pid'), String(process.pid));
      if (!initialised(template)) await buildTemplate(template, pathToFileURL(entry).href, log);
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  return template;
}

/** Makes `dir` an initialised data directory (a copy of the template) unless it is one. */
async function ensureInitialised(dir: string, cacheDir: string, log: Logger): Promise<void> {
  if (initialised(dir)) return;
  if (existsSync(dir) && readdirSync(dir).length > 0)
    throw new Error(`${dir} is neither empty nor an embedded store: refusing to overwrite it`);
  const template = await ensureTemplate(log, cacheDir);
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
  await ensureInitialised(dir, cacheDir, log);
  return PGlite.create(dir, { postgresqlconf: SETTINGS });
}
