/**
 * `npm start`: the whole local mesh in one command. Starts every service that exists in
 * dependency order, waits until each reports SERVING, prints the endpoints, and stops them all
 * on Ctrl-C. Logs are pretty-printed with a per-service prefix in a terminal, JSON otherwise.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { prettyFactory } from 'pino-pretty';
import {
  HealthCheckResponse_ServingStatus,
  HealthService,
} from '../gen/ts/grpc/health/v1/health.js';
import { createClient } from '../platform/clients.js';
import { BFF_PORT, MESH, type ServiceName } from '../platform/mesh.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ORDER: ServiceName[] = ['schedule', 'pricing', 'search', 'booking'];
const pretty = process.stdout.isTTY
  ? prettyFactory({ colorize: true, ignore: 'pid,hostname,service' })
  : undefined;
const children: Array<{ name: string; child: ChildProcess }> = [];

function launch(name: string, entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--import', './platform/telemetry/register.ts', entry],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      if (!pretty || !line.startsWith('{'))
        process.stdout.write(pretty ? `[${name}] ${line}\n` : `${line}\n`);
      else process.stdout.write(`[${name.padEnd(8)}] ${pretty(line)}`);
    });
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(`${name} exited (${signal ?? code}); stopping the mesh\n`);
      void stopAll(1);
    }
  });
  children.push({ name, child });
  return child;
}

async function waitServing(name: ServiceName, port: number, timeoutMs = 120_000): Promise<void> {
  const health = createClient(HealthService, {
    target: `dns:///127.0.0.1:${port}`,
    defaultDeadlineMs: 1_000,
  });
  const until = Date.now() + timeoutMs;
  try {
    for (;;) {
      const status = await health.check({ service: '' }).then(
        (r) => r.status,
        () => undefined,
      );
      if (status === HealthCheckResponse_ServingStatus.SERVING) return;
      if (Date.now() > until)
        throw new Error(`${name} did not become SERVING within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    health.close();
  }
}

let stopping = false;
async function stopAll(code: number): Promise<never> {
  stopping = true;
  // Reverse order: callers stop before the services they call.
  for (const { child } of [...children].reverse()) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

const started: string[] = [];
for (const name of ORDER) {
  const entry = path.join('services', name, 'main.ts');
  if (!existsSync(path.join(ROOT, entry))) continue;
  const port = MESH[name].port;
  launch(name, entry, { PORT: String(port), DATA_DIR: path.join(ROOT, 'data', name) });
  await waitServing(name, port);
  started.push(
    `  ${name.padEnd(9)} grpc://127.0.0.1:${port}   (grpcurl -plaintext 127.0.0.1:${port} list)`,
  );
}
if (existsSync(path.join(ROOT, 'bff', 'main.ts'))) {
  launch('bff', 'bff/main.ts', { PORT: String(BFF_PORT) });
  started.push(`  bff       http://127.0.0.1:${BFF_PORT}/docs`);
}
process.stdout.write(`\nflight mesh is up:\n${started.join('\n')}\n\nCtrl-C stops everything.\n\n`);
