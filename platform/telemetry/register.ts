/**
 * Preloaded with `node --import` before the application (see package.json scripts). In an ESM
 * project OpenTelemetry can patch @grpc/grpc-js only if its module hook is registered before
 * grpc-js is first imported, so this file registers the hook, then starts tracing, and only
 * then does the application load.
 */
import { register } from 'node:module';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);

// Metrics first: the instrumentations take their meter from the global provider when registered.
const { startMetrics } = await import('./metrics.js');
startMetrics();
const { startTracing } = await import('./tracing.js');
startTracing();
