/**
 * `npm run bench:start`: the local mesh started as `npm start` starts it (scripts/mesh.ts), twice:
 * cold (an empty data dir and an empty embedded-store template cache, as on a fresh clone after
 * `npm ci`) and warm (the same data dir again). For each: seconds until "flight mesh is up", and
 * each process's resident memory after 10 s idle. Then once more with SCHEDULE_SIZE=world for
 * the whole mesh's memory on the world timetable. The baseline, in the same run: a bare Node.js
 * process (an HTTP server answering 200) — its start-up time and RSS.
 *
 *   npm run bench:start      (BENCH_PORT_OFFSET, default 2000, moves every port; BENCH_WORLD=0
 *                            skips the world run)
 *
 * It needs the compiled mesh to be current (npm start compiles it when not, and that time would
 * count): run `npm run build` first when sources changed. Prints `bench <figure> <value>` lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from '../test/support/processes.js';

const OFFSET = Number(process.env.BENCH_PORT_OFFSET ?? 2000);
const IDLE_MS = 10_000;
const work = mkdtempSync(path.join(tmpdir(), 'bench-start-'));
const MB = 1024 * 1024;

/** Resident memory of a process, bytes (0 once it is gone). */
function rss(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return kb ? Number(kb[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The launcher's child processes, by the entry they run ("schedule", "bff", "consul", …). */
function children(parent: number): Map<string, number> {
  const found = new Map<string, number>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parent) continue;
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const entry = argv.find((a) => /(^|\/)main\.ts$/.test(a));
      const store = argv.some((a) => a.endsWith('store-main.ts'));
      let name = store
        ? 'pricing-store'
        : entry
          ? path.basename(path.dirname(entry))
          : path.basename(argv[0]!).replace(/-v[\d.]+$/, '');
      // A second instance (pricing runs twice): pricing-2.
      if (found.has(name)) name = `${name}-2`;
      found.set(name, Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

interface Run {
  readyS: number;
  rssMb: Map<string, number>;
}

/** One `npm start`: seconds to "flight mesh is up", RSS of every process after IDLE_MS, stopped. */
async function startMesh(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const started = performance.now();
  const launcher: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/mesh.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      MESH_DATA_DIR: dataDir,
      MESH_PORT_OFFSET: String(OFFSET),
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((r) => launcher.once('exit', r));
  // What the mesh said last, for the error when it does not come up (why a process exited).
  const said: string[] = [];
  const failed = (why: string) =>
    new Error(`${why}\nthe mesh's last lines:\n${said.slice(-30).join('\n')}`);
  const up = new Promise<void>((resolve, reject) => {
    createInterface({ input: launcher.stdout! }).on('line', (l) => {
      said.push(l);
      if (l.includes('flight mesh is up')) resolve();
    });
    createInterface({ input: launcher.stderr! }).on('line', (l) => {
      said.push(l);
      if (l.includes('stopping the mesh')) reject(failed(l));
    });
    launcher.once('exit', (code) => reject(failed(`npm start exited (${code})`)));
  });
  await up;
  const readyS = (performance.now() - started) / 1000;
  await sleep(IDLE_MS);
  const rssMb = new Map(
    [...children(launcher.pid!)].map(([name, pid]) => [name, rss(pid) / MB] as const),
  );
  launcher.kill('SIGINT');
  await exited;
  return { readyS, rssMb };
}

/** The baseline: a bare Node.js HTTP server, from spawn to its first 200, and its RSS at idle. */
async function bareNode(): Promise<Run> {
  const port = 40_000 + OFFSET;
  const started = performance.now();
  const child = spawn(process.execPath, [
    '-e',
    `require('node:http').createServer((q, s) => s.end('ok')).listen(${port})`,
  ]);
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await sleep(20);
  }
  const readyS = (performance.now() - started) / 1000;
  await sleep(IDLE_MS);
  const rssMb = new Map([['bare node', rss(child.pid!) / MB]]);
  child.kill();
  return { readyS, rssMb };
}

const data = path.join(work, 'data');
const bare = await bareNode();
const cold = await startMesh(data, { FLIGHT_MESH_CACHE: path.join(work, 'cache') });
const warm = await startMesh(data, { FLIGHT_MESH_CACHE: path.join(work, 'cache') });
const world =
  process.env.BENCH_WORLD === '0'
    ? undefined
    : await startMesh(path.join(work, 'world'), { SCHEDULE_SIZE: 'world' });
rmSync(work, { recursive: true, force: true });

const bareRss = bare.rssMb.get('bare node')!;
const names = [...new Set([...warm.rssMb.keys(), ...(world?.rssMb.keys() ?? [])])];
const total = (run: Run | undefined) =>
  run ? [...run.rssMb].filter(([n]) => n !== 'consul').reduce((s, [, mb]) => s + mb, 0) : NaN;
const fmt = (n: number | undefined, d = 0) => (n === undefined ? '—' : n.toFixed(d)).padStart(9);
console.log(`\nstart-up: seconds until ready ("flight mesh is up" for the mesh)`);
console.log(`${'run'.padEnd(26)}${'seconds'.padStart(9)}${'× bare'.padStart(9)}`);
for (const [label, run] of [
  ['bare node (baseline)', bare],
  ['npm start, cold', cold],
  ['npm start, warm', warm],
] as const)
  console.log(`${label.padEnd(26)}${fmt(run.readyS, 1)}${fmt(run.readyS / bare.readyS, 1)}`);
console.log(
  `\nresident memory after ${IDLE_MS / 1000} s idle, MB (× bare node ${bareRss.toFixed(0)} MB)`,
);
console.log(
  `${'process'.padEnd(12)}${'cold'.padStart(9)}${'warm'.padStart(9)}${'× bare'.padStart(9)}${'world'.padStart(9)}`,
);
for (const n of names)
  console.log(
    `${n.padEnd(12)}${fmt(cold.rssMb.get(n))}${fmt(warm.rssMb.get(n))}${fmt((warm.rssMb.get(n) ?? NaN) / bareRss, 1)}${fmt(world?.rssMb.get(n))}`,
  );
console.log(
  `${'total*'.padEnd(12)}${fmt(total(cold))}${fmt(total(warm))}${''.padStart(9)}${fmt(total(world))}`,
);
console.log("* the mesh's own processes (Consul left out)\n");

console.log(`bench start.cold_ready_s ${cold.readyS.toFixed(1)}`);
console.log(`bench start.ready_s ${warm.readyS.toFixed(1)}`);
for (const n of ['schedule', 'pricing', 'search', 'booking', 'bff'])
  console.log(`bench start.rss_mb.${n} ${(warm.rssMb.get(n) ?? NaN).toFixed(0)}`);
// Not measured when BENCH_WORLD=0: no line, rather than a figure of NaN.
if (world) console.log(`bench start.world_rss_mb_total ${total(world).toFixed(0)}`);
