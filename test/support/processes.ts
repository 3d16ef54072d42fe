import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { mallocEnv, meshProcessArgs } from '../../scripts/process-tuning.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Ports freePort() has handed out in this process: the OS may offer a closed probe's port again. */
const handedOut = new Set<number>();

/**
 * A loopback port nothing listens on now, never one this process was handed before. The probe
 * is closed before the caller binds, so another process can still take it in between: a caller
 * that launches a program on it should retry on a new port when the program cannot bind.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() =>
          typeof address === 'object' && address
            ? resolve(address.port)
            : reject(new Error('no port')),
        );
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

export interface Spawned {
  child: ChildProcess;
  /** Everything written to stdout so far, one JSON log line per entry when it parses. */
  lines: string[];
  waitForLine(predicate: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resumes it if paused, then sends `signal` (SIGTERM) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * Freezes it (SIGSTOP): it keeps its sockets and its registrations (still "passing" to a
   * health check that does not call it) but answers nothing, as a process stuck in a GC pause,
   * a swapped-out VM or a debugger would. Until resume().
   */
  pause(): void;
  /** Lets a paused process go on (SIGCONT); a no-op when it is not paused. */
  resume(): void;
  /** Runs `fn` while the process is paused, and resumes it afterwards, whatever `fn` did. */
  whilePaused<T>(fn: () => Promise<T>): Promise<T>;
}

/** Runs a TypeScript entry point the way `npm run start:<service>` does (tsx + the telemetry preload). */
export function spawnEntry(entry: string, env: NodeJS.ProcessEnv): Spawned {
  // CPU_PROF_DIR=<dir>: each process writes a V8 CPU profile there when it exits (benchmarks;
  // NODE_OPTIONS may not carry --cpu-prof).
  const profile = process.env.CPU_PROF_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CPU_PROF_DIR}`]
    : [];
  return spawnProcess(
    process.execPath,
    [...profile, '--import', 'tsx', '--import', './platform/telemetry/register.ts', entry],
    // No /metrics unless a test asks for it: the default ports would collide between processes.
    { METRICS_PORT: '0', ...env },
  );
}

/**
 * Runs an entry point the way `npm start` runs it (scripts/process-tuning.ts `meshProcessArgs`:
 * the compiled JavaScript when dist/js is built and fresh, the telemetry preload unless
 * `telemetry: false`, npm start's V8 flags and malloc settings): what a benchmark measures.
 * CPU_PROF_DIR as for spawnEntry.
 */
export function spawnDeployed(
  entry: string,
  env: NodeJS.ProcessEnv,
  options: { telemetry?: boolean; stdout?: 'capture' | 'ignore' } = {},
): Spawned {
  const nodeOptions = process.env.CPU_PROF_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CPU_PROF_DIR}`]
    : [];
  return spawnProcess(
    process.execPath,
    meshProcessArgs(entry, { telemetry: options.telemetry, nodeOptions }),
    { ...mallocEnv(), METRICS_PORT: '0', ...env },
    { stdout: options.stdout },
  );
}

/** Runs a program with its output captured line by line. */
export function spawnProcess(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  /**
   * `stdout: 'ignore'`: its standard output goes nowhere (a benchmark's service logging a line
   * per call, which this process would otherwise read and keep); `lines` then holds stderr only.
   */
  options: { detached?: boolean; stdout?: 'capture' | 'ignore' } = {},
): Spawned {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', options.stdout === 'ignore' ? 'ignore' : 'pipe', 'pipe'],
    // Its own process group, to be signalled as a terminal signals its foreground group.
    detached: options.detached ?? false,
  });
  const lines: string[] = [];
  const waiters: Array<{ predicate: (l: string) => boolean; resolve: (l: string) => void }> = [];
  let buffer = '';
  const onData = (chunk: Buffer) => {
    buffer += chunk.toString();
    let index;
    while ((index = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, index);
      buffer = buffer.slice(index + 1);
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.predicate(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  let paused = false;
  const alive = () => child.exitCode === null && child.signalCode === null;
  const pause = () => {
    if (alive()) child.kill('SIGSTOP');
    paused = true;
  };
  const resume = () => {
    if (paused && alive()) child.kill('SIGCONT');
    paused = false;
  };
  return {
    child,
    lines,
    exited,
    pause,
    resume,
    async whilePaused(fn) {
      pause();
      try {
        return await fn();
      } finally {
        resume();
      }
    },
    waitForLine(predicate, timeoutMs = 60_000) {
      const seen = lines.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`no matching line within ${timeoutMs} ms; output:\n${lines.join('\n')}`),
            ),
          timeoutMs,
        );
        waiters.push({
          predicate,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
        exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`process exited; output:\n${lines.join('\n')}`));
        });
      });
    },
    async stop(signal = 'SIGTERM') {
      // A stopped process only acts on SIGTERM once continued.
      resume();
      if (alive()) child.kill(signal);
      return exited;
    },
  };
}

/** The JSON log lines among a process's output (other lines, such as runtime warnings, skipped). */
export function jsonLines(lines: string[]): Array<Record<string, unknown>> {
  return lines
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
