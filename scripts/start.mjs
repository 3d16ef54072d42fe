/**
 * Starts one process of the mesh: `node scripts/start.mjs services/schedule/main.ts` (what every
 * `npm run start:<name>` and the Docker image run). It runs the compiled JavaScript in dist/js
 * when that is built and fresh (always, in the image, which holds no sources), else the source
 * through tsx. Either way the telemetry preload (platform/telemetry/register) is imported first,
 * so OpenTelemetry has patched gRPC and HTTP before the application loads them, as
 * `node --import` would do.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { compiledEntry, DIST, ROOT } from './compiled.mjs';

// `--no-telemetry`: a process that serves no gRPC (a store process) skips the preload and the
// ~30 MB its loader thread and SDK cost.
const telemetry = process.argv[2] !== '--no-telemetry';
const entry = process.argv[telemetry ? 2 : 3];
if (!entry) {
  process.stderr.write(
    'usage: node scripts/start.mjs [--no-telemetry] <entry, e.g. services/schedule/main.ts>\n',
  );
  process.exit(2);
}
// The process's name in telemetry (traces, target_info): the entry's folder, e.g. schedule,
// not this script's; an explicit OTEL_SERVICE_NAME wins.
process.env.OTEL_SERVICE_NAME ??= path.basename(path.dirname(entry));
const compiled = compiledEntry(entry);
if (compiled) {
  if (telemetry)
    await import(pathToFileURL(path.join(DIST, 'platform/telemetry/register.js')).href);
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  if (telemetry)
    await import(pathToFileURL(path.join(ROOT, 'platform/telemetry/register.ts')).href);
  await import(pathToFileURL(path.resolve(ROOT, entry)).href);
}
