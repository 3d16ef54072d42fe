/**
 * Builds the web front end (web/ → dist/web) when it is missing or stale: `npm start` and the
 * browser tests call this, `npm run build:web` builds unconditionally.
 *
 * Stale means: the sources (web/** but its tests, package-lock.json for the library versions) hash to something
 * other than what the last build recorded in dist/web/.source-hash. A content hash, not mtimes,
 * so a fresh clone or a `git checkout` that rewrites files without changing them does not
 * rebuild, and an edit always does.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WEB = path.join(ROOT, 'web');
const OUT = path.join(ROOT, 'dist', 'web');
const STAMP = path.join(OUT, '.source-hash');

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (!/\.test\.tsx?$/.test(entry.name)) yield full;
  }
}

/** A hash of everything the build reads from this repository. */
export function webSourceHash(): string {
  const hash = createHash('sha256');
  for (const file of [...files(WEB), path.join(ROOT, 'package-lock.json')]) {
    hash.update(path.relative(ROOT, file));
    hash.update(readFileSync(file));
  }
  return hash.digest('hex');
}

export function webBuildIsFresh(): boolean {
  return (
    existsSync(path.join(OUT, 'index.html')) &&
    existsSync(STAMP) &&
    readFileSync(STAMP, 'utf8') === webSourceHash()
  );
}

/** Runs `vite build` in a child process (its output goes to ours) and records the source hash. */
export async function buildWeb(): Promise<void> {
  const hash = webSourceHash();
  const vite = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [vite, 'build', '--config', path.join(WEB, 'vite.config.ts'), '--logLevel', 'warn'],
      { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    child.on('error', reject);
    child.on('exit', resolve);
  });
  if (code !== 0) throw new Error(`vite build failed (exit ${code})`);
  writeFileSync(STAMP, hash);
}

/**
 * What a browser downloads, gzipped (bytes): the first load (index.html's script and styles)
 * and the rest (chunks loaded later, such as the map with its land shapes).
 */
export function bundleSizes(): { initial: number; later: number } {
  const html = readFileSync(path.join(OUT, 'index.html'), 'utf8');
  const sizes = { initial: 0, later: 0 };
  for (const file of readdirSync(path.join(OUT, 'assets'))) {
    if (file.endsWith('.map')) continue;
    const gz = gzipSync(readFileSync(path.join(OUT, 'assets', file))).length;
    if (html.includes(`/assets/${file}`)) sizes.initial += gz;
    else sizes.later += gz;
  }
  return sizes;
}

const LOCK = path.join(ROOT, 'dist', '.web-build.lock');
/** A lock older than this is left over from a build that died; it is taken over. */
const STALE_LOCK_MS = 5 * 60_000;

/** mkdir is atomic: whoever creates the lock directory builds. */
function tryLock(): boolean {
  mkdirSync(path.dirname(LOCK), { recursive: true });
  try {
    mkdirSync(LOCK);
    return true;
  } catch {
    const age = Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? 0);
    if (age > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
    return false;
  }
}

/**
 * Builds unless the last build is of exactly these sources; says which it did. Test files run
 * in parallel workers may all ask at once: one builds (under a lock), the others wait for it,
 * so nobody reads dist/web while vite is emptying it.
 */
export async function ensureWebBuilt(): Promise<'fresh' | 'built'> {
  for (;;) {
    if (webBuildIsFresh() && !existsSync(LOCK)) return 'fresh';
    if (tryLock()) {
      try {
        if (webBuildIsFresh()) return 'fresh';
        await buildWeb();
        return 'built';
      } finally {
        rmSync(LOCK, { recursive: true, force: true });
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const force = process.argv.includes('--force');
  if (force) await buildWeb();
  else process.stdout.write(`web front end: ${await ensureWebBuilt()}\n`);
  const { initial, later } = bundleSizes();
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  process.stdout.write(
    `web bundle (gzip): first load ${kb(initial)} (scripts and styles), later ${kb(later)} (the map)\n`,
  );
}
