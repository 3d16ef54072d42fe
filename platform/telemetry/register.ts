/**
 * Preloaded before the application (scripts/start.mjs imports it first; tests use
 * `node --import`): starts metrics and tracing, then loads the modules OpenTelemetry patches, so
 * they are patched before the application imports them.
 *
 * No ESM loader hook (`module.register('@opentelemetry/instrumentation/hook.mjs')`): that hook
 * runs in a thread of its own with its own V8 isolate and parses every module the process loads
 * to wrap its exports: ~27 MB of resident memory and ~1.3 s of CPU per process at start-up
 * (measured on compiled pricing: 184 → 157 MB idle, 3.7 → 2.4 s of CPU until serving). The
 * modules the instrumentations patch are CommonJS (@grpc/grpc-js, node:http, node:https), so
 * OpenTelemetry's require hook (require-in-the-middle) patches them when they are required
 * here; what it patches are the shared objects (Server.prototype.register, Client.prototype's
 * request methods, http.Server.prototype.emit, the modules' exports), and the application's
 * later `import` of the same module gets that same, patched, instance from the module cache.
 * test/schedule-process.test.ts proves it on real processes (a client process's span and the
 * schedule process's server span in one trace), bff/trace.test.ts on BFF → booking → pricing.
 */
import { createRequire } from 'node:module';

// Metrics first: the instrumentations take their meter from the global provider when registered.
const { startMetrics } = await import('./metrics.js');
startMetrics();
const { startTracing } = await import('./tracing.js');
startTracing();

const require = createRequire(import.meta.url);
for (const patched of ['@grpc/grpc-js', 'node:http', 'node:https']) require(patched);
