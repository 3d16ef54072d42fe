import path from 'node:path';

/** OTEL_SERVICE_NAME, else the folder of the entry point: services/schedule/main.ts → schedule. */
export function inferServiceName(argv1 = process.argv[1] ?? ''): string {
  if (process.env.OTEL_SERVICE_NAME) return process.env.OTEL_SERVICE_NAME;
  return path.basename(path.dirname(argv1)) || 'flight-mesh';
}
