import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/processes.js';

/**
 * The layout every newcomer relies on (docs/architecture.md): four service folders that read
 * alike, a platform/ that knows no flights, small files. A change that breaks the template fails
 * here with the file named, rather than in a review.
 */
const SERVICES = ['schedule', 'pricing', 'search', 'booking'] as const;

/** Files every service folder has, with the one job each does. */
const TEMPLATE = [
  'main.ts', // start: one call into platform/
  'service.ts', // wiring and this service's env, nothing else
  'requests.ts', // request schemas, one per RPC
  'handlers.ts', // thin: validate → domain → map
  'mapping.ts', // proto ↔ domain, nowhere else
  'README.md',
];

/** Services that call others keep every outgoing call in peers.ts (schedule calls nobody). */
const CALLS_OTHERS = { schedule: false, pricing: true, search: true, booking: true };

/** Services with durable state keep it in *store.ts files (search's index is rebuilt, not stored). */
const HAS_STORE = { schedule: true, pricing: true, search: false, booking: true };

/** The one file allowed over the size limit: search's column store, kept whole for speed. */
const SIZE_EXCEPTIONS = new Set(['services/search/domain/flight-index.ts']);
const MAX_LINES = 400;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(ROOT, dir))) {
    if (['node_modules', 'gen', 'dist', 'data', 'reference-data'].includes(entry)) continue;
    const rel = path.join(dir, entry);
    if (statSync(path.join(ROOT, rel)).isDirectory()) out.push(...sourceFiles(rel));
    else if (/\.(ts|tsx|mjs)$/.test(entry)) out.push(rel);
  }
  return out;
}

const lines = (file: string) => readFileSync(path.join(ROOT, file), 'utf8').split('\n').length;
/** Modules a file loads at run time (`import type` is erased and couples nothing). */
const imports = (file: string) =>
  [
    ...readFileSync(path.join(ROOT, file), 'utf8').matchAll(
      /^import\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms,
    ),
  ].map((m) => m[1]!);

describe('service template', () => {
  for (const service of SERVICES) {
    const dir = path.join('services', service);
    it(`${service} has the template's files`, () => {
      const present = readdirSync(path.join(ROOT, dir));
      const expected = [...TEMPLATE, ...(CALLS_OTHERS[service] ? ['peers.ts'] : []), 'domain'];
      expect(expected.filter((f) => !present.includes(f))).toEqual([]);
      expect(present.some((f) => f.endsWith('store.ts'))).toBe(HAS_STORE[service]);
      if (!CALLS_OTHERS[service]) expect(present).not.toContain('peers.ts');
    });

    it(`${service}/main.ts only starts the service`, () => {
      expect(lines(path.join(dir, 'main.ts'))).toBeLessThanOrEqual(15);
    });

    it(`${service}/domain is pure: no gRPC, no HTTP, no SQL, no contracts`, () => {
      const impure = sourceFiles(path.join(dir, 'domain'))
        .filter((f) => !f.endsWith('.test.ts'))
        .flatMap((f) =>
          imports(f)
            .filter((m) => /grpc|fastify|^pg$|pglite|gen\/ts|platform\//.test(m))
            .map((m) => `${f} imports ${m}`),
        );
      expect(impure).toEqual([]);
    });

    it(`only ${service}/peers.ts speaks to other services`, () => {
      const strays = sourceFiles(dir)
        .filter((f) => !f.endsWith('.test.ts') && !f.endsWith('peers.ts'))
        .flatMap((f) =>
          [
            ...readFileSync(path.join(ROOT, f), 'utf8').matchAll(
              /import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'[./]*gen\/ts\/flights\/v1\/(\w+)\.js'/g,
            ),
          ]
            .filter(([, names, file]) => file !== service && /ServiceService\b/.test(names!))
            .map(([, , file]) => `${f} uses the ${file} service definition`),
        );
      expect(strays).toEqual([]);
    });
  }
});

describe('platform/ is a generic runtime', () => {
  it('imports nothing of the flights contracts or vocabulary', () => {
    const leaks = sourceFiles('platform')
      .filter((f) => !f.endsWith('.test.ts'))
      .flatMap((f) =>
        imports(f)
          .filter((m) => /gen\/ts\/flights|(^|\/)flights\//.test(m) || /services\//.test(m))
          .map((m) => `${f} imports ${m}`),
      );
    expect(leaks).toEqual([]);
  });
});

describe('small modules', () => {
  it(`no source file is over ${MAX_LINES} lines`, () => {
    const roots = [
      'platform',
      'flights',
      'services',
      'bff',
      'identity',
      'scripts',
      'bench',
      'test',
      'web/src',
    ];
    const long = roots
      .filter((r) => existsSync(path.join(ROOT, r)))
      .flatMap(sourceFiles)
      .filter((f) => !SIZE_EXCEPTIONS.has(f) && lines(f) > MAX_LINES)
      .map((f) => `${f}: ${lines(f)} lines`);
    expect(long).toEqual([]);
  });
});

describe('npm scripts', () => {
  it('exec the program a chain ends with, so a signal to npm (a process manager, CI, timeout) reaches it', () => {
    // npm passes SIGTERM/SIGINT to its child, the shell of an `a && b` script, which does not
    // pass it on: `npm start` stopped, and left the launcher and every service running.
    const { scripts } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const notExeced = Object.entries(scripts)
      .filter(([, command]) => command.includes('&&'))
      .filter(([, command]) => /^(node|tsx|vitest)\b/.test(command.split('&&').at(-1)!.trim()));
    expect(notExeced).toEqual([]);
  });
});

describe('process entry points', () => {
  it('every process starts through platform/lifecycle.ts runProcess, so each gets its signals, exit codes and idle memory release', () => {
    // identity/main.ts wired its own signal handling, and so never returned freed memory.
    const entries = ['services', 'bff', 'identity', 'edge', 'platform']
      .filter((r) => existsSync(path.join(ROOT, r)))
      .flatMap(sourceFiles)
      .filter((f) => /(^|\/)(main|store-main)\.ts$/.test(f));
    expect(entries.length).toBeGreaterThanOrEqual(8);
    const RUNNERS = /\b(runProcess|runService|runHttpProcess)\(/;
    const bypassing = entries.filter(
      (f) => !RUNNERS.test(readFileSync(path.join(ROOT, f), 'utf8')),
    );
    expect(bypassing).toEqual([]);
  });
});
