/**
 * The mesh's processes as plain JavaScript: `tsc -p tsconfig.build.json` into dist/js, with the
 * files the code reads at run time beside it, so every `new URL('../…', import.meta.url)` finds
 * them as it does in the source tree. Plain JavaScript (no tsx) because production runs it.
 *
 * Why compiled: a process run through tsx carries tsx's loader thread and its transform cache,
 * ~65 MB of resident memory and a second or more of start-up per process (measured; see the
 * README's start-up figures).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath, URL } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = path.join(ROOT, 'dist', 'js');
const STAMP = path.join(DIST, '.source-hash');
/** What tsc compiles (tsconfig.build.json), and what the build copies beside it. */
const SOURCES = ['platform', 'flights', 'services', 'bff', 'identity', 'edge', 'gen/ts'];
const ASSETS = ['gen/descriptors.binpb', 'package.json', 'services/schedule/reference-data'];

/**
 * A hash of the files and every file under the directories `dirs` (relative to the root) whose name passes `keep`: paths and
 * contents, so an edit always shows and a checkout that rewrites files unchanged does not.
 * Null when none of the directories exist (an image, which ships no sources).
 */
export function hashTree(dirs, keep = () => true) {
  const hash = createHash('sha256');
  let any = false;
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (keep(e.name))
        hash.update(`${path.relative(ROOT, full)}\0`).update(readFileSync(full));
    }
  };
  for (const entry of dirs) {
    const full = path.join(ROOT, entry);
    if (!existsSync(full)) continue;
    any = true;
    if (statSync(full).isDirectory()) walk(full);
    else hash.update(`${entry}\0`).update(readFileSync(full));
  }
  return any ? hash.digest('hex') : null;
}

const sourceHash = () =>
  hashTree([...SOURCES, 'tsconfig.json', 'tsconfig.build.json'], (n) => !n.endsWith('.test.ts'));

/**
 * True when dist/js was built from the sources as they are now, or when there are no sources
 * to run instead (the image: it ships dist/js and the generated code, not platform/ and the rest).
 */
export function isFresh() {
  if (!existsSync(STAMP)) return false;
  if (!existsSync(path.join(ROOT, 'platform'))) return true;
  const hash = sourceHash();
  return hash === null || readFileSync(STAMP, 'utf8').trim() === hash;
}

/**
 * The compiled file of a source entry ("services/schedule/main.ts" → dist/js/…/main.js) when
 * the build is fresh, else null (run the source through tsx).
 */
export function compiledEntry(entry) {
  const js = path.join(DIST, entry.replace(/\.ts$/, '.js'));
  return existsSync(js) && isFresh() ? js : null;
}

/** Compiles the sources and places the assets; throws with tsc's output when it fails. */
export function build() {
  const hash = sourceHash();
  const tsc = spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (tsc.status !== 0) throw new Error(`tsc failed:\n${tsc.stdout}${tsc.stderr}`);
  for (const asset of ASSETS) {
    const target = path.join(DIST, asset);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(path.dirname(target), { recursive: true });
    cpSync(path.join(ROOT, asset), target, { recursive: true });
  }
  // bff/web.ts serves ../dist/web: from dist/js/bff that is dist/js/dist/web, i.e. dist/web.
  if (!existsSync(path.join(DIST, 'dist'))) symlinkSync('..', path.join(DIST, 'dist'));
  writeFileSync(STAMP, `${hash}\n`);
}
